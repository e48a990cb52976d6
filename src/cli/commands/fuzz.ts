/** `bulwark fuzz codec`: seeded random and mutated frames against the decoder; escapes are bugs. */
import type { Command } from 'commander';
import { fuzzCodec } from '../../codec/fuzz.js';
import { printJson, Progress, table } from '../output.js';
import { int, oneOf } from '../parse.js';

export function registerFuzz(program: Command): void {
  program
    .command('fuzz')
    .description(
      'feed random and mutated frames to a decoder and report escapes (exceptions) and non-canonical accepts',
    )
    .argument('<target>', 'what to fuzz: codec', oneOf(['codec'] as const))
    .option('--iterations <count>', 'inputs', int(1, 1_000_000_000), 1_000_000)
    .option('--seed <seed>', 'seed (the same seed replays the same inputs)', int(0, 0xffff_ffff), 1)
    .option('--json', 'machine-readable report on stdout', false)
    .action((_target: 'codec', flags: { iterations: number; seed: number; json: boolean }) => {
      const progress = new Progress(!flags.json);
      const report = fuzzCodec({
        iterations: flags.iterations,
        seed: flags.seed,
        onProgress: (done, s) =>
          progress.update(`fuzz codec: ${done}/${flags.iterations}, ${s.escapes} escapes`),
      });
      progress.done();
      const findings = report.escapes + report.nonCanonical + report.roundTripFailures;
      process.exitCode = findings === 0 ? 0 : 1;
      if (flags.json) return printJson(report);
      console.log(
        table(
          [
            'iterations',
            'accepted',
            'rejected',
            'escapes',
            'non-canonical',
            'round-trip failures',
            'frames/s',
          ],
          [
            [
              report.iterations,
              report.accepted,
              Object.values(report.rejected).reduce((a, b) => a + b, 0),
              report.escapes,
              report.nonCanonical,
              report.roundTripFailures,
              Math.round(report.framesPerSec),
            ],
          ],
        ),
      );
      console.log('\nrejections by code:');
      console.log(
        table(
          ['code', 'count'],
          Object.entries(report.rejected)
            .filter(([, c]) => c > 0)
            .map(([k, c]) => [k, c]),
        ),
      );
      for (const ex of report.examples)
        console.log(
          `- ${ex.kind} at iteration ${ex.iteration} (${ex.source}): ${ex.detail}\n  input: ${ex.inputHex}`,
        );
    });
}
