/**
 * Subcommands that later issues fill. Each says so and exits non-zero: nothing pretends.
 */
import type { Command } from 'commander';

const later: readonly [name: string, description: string, arrives: string][] = [
  ['plan', 'derive a deployment from QoS requirements', 'the configuration manager (roadmap step 3)'],
  ['reconfigure', 'switch a running cluster to another protocol', 'run-time switching (roadmap step 3)'],
];

export function registerUnavailable(program: Command): void {
  for (const [name, description, arrives] of later) {
    program
      .command(name)
      .description(`${description} (not available yet)`)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .action(() => {
        process.stderr.write(`bulwark ${name} is not available yet: it arrives with ${arrives}.\n`);
        process.exitCode = 69;
      });
  }
}
