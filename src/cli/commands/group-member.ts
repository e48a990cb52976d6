/**
 * `bulwark group-member --config F --id I`: one member of an ITUA group as a process. On its own
 * it multicasts each line of its standard input, prints every report (deliveries, views,
 * exclusion, suspicions) as a JSON line on standard output, and leaves the group when its input
 * ends; with `--ipc` it serves the process that launched it instead (runtime/group/launch.ts).
 * `--inject` makes it Byzantine on purpose from the start (the simulator's behaviours by name, as
 * fault-injection.ts applies them).
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { jsonLogger } from '../../core/log.js';
import { serveLauncher } from '../../runtime/group/child.js';
import { GroupError } from '../../runtime/group/errors.js';
import {
  startGroupMember,
  type GroupReport,
  type RunningGroupMember,
} from '../../runtime/group/member-process.js';
import { MulticastQueue } from '../../runtime/group/multicast-queue.js';
import { fail, int, oneOf, tuningList } from '../parse.js';

interface GroupMemberFlags {
  config: string;
  id: number;
  key?: string;
  context: 'deployment' | 'bench';
  guarantee: 'fifo' | 'total';
  inject?: string;
  tuning?: Record<string, number>;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  ipc: boolean;
}

export function registerGroupMember(program: Command): void {
  program
    .command('group-member')
    .description('run one member of an ITUA group (multicasts stdin lines, prints what it delivers)')
    .requiredOption('--config <file>', "the group's cluster file, or its directory")
    .requiredOption('--id <id>', 'this member', int(0, 255))
    .option('--key <file>', 'private key file (default: member-<id>.key beside the cluster file)')
    .option(
      '--context <context>',
      "'bench' accepts crypto none (experiments); deployments refuse it",
      oneOf(['deployment', 'bench'] as const),
      'deployment',
    )
    .option('--guarantee <g>', 'for stdin lines: fifo or total', oneOf(['fifo', 'total'] as const), 'total')
    .option('--inject <names>', 'Byzantine behaviours to take on at start, comma-separated (e.g. mutant)')
    .option('--tuning <pairs>', 'timer overrides, name=ms,...', tuningList)
    .option(
      '--log-level <level>',
      'debug, info, warn or error',
      oneOf(['debug', 'info', 'warn', 'error'] as const),
      'warn',
    )
    .option('--ipc', 'serve the launching process over IPC instead of stdin and stdout', false)
    .action(runGroupMember);
}

async function runGroupMember(flags: GroupMemberFlags): Promise<void> {
  let running: RunningGroupMember;
  try {
    running = await startGroupMember({
      cluster: flags.config,
      self: flags.id,
      keyFile: flags.key,
      context: flags.context,
      tuning: flags.tuning,
      log: jsonLogger(`group-member-${flags.id}`, flags.logLevel),
    });
  } catch (e) {
    return fail((e as Error).message, e instanceof GroupError && e.code !== 'CONFIG' ? 1 : 2);
  }
  const r = running;
  if (flags.inject !== undefined) {
    const injected = r.inject(flags.inject.split(',').map((s) => s.trim()));
    if (!injected.ok) {
      await r.close();
      return fail(injected.error, 2);
    }
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await r.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  if (flags.ipc && process.send) return serveLauncher(r, stop);
  serveTerminal(r, flags.guarantee, stop);
}

/** Lines in, JSON lines out: for operators, scripts and tests that drive one member by hand. */
function serveTerminal(r: RunningGroupMember, guarantee: 'fifo' | 'total', stop: () => Promise<void>): void {
  const queue = new MulticastQueue((g, data) => r.multicast(g, data));
  r.on((report) => {
    process.stdout.write(JSON.stringify(printable(report)) + '\n');
    queue.pump();
  });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    queue.submit(guarantee, new TextEncoder().encode(line)).catch((e: Error) => {
      process.stderr.write(`bulwark: ${e.message}\n`);
    });
  });
  // The end of the input is the end of the conversation: leave, then stop once removed (or 5 s).
  lines.on('close', () => {
    r.on((report) => {
      if (report.kind === 'excluded') void stop();
    });
    r.leave();
    setTimeout(() => void stop(), LEAVE_WAIT_MS).unref();
  });
}

const LEAVE_WAIT_MS = 5_000;

function printable(r: GroupReport): Record<string, unknown> {
  if (r.kind !== 'deliver') return { ...r };
  return { ...r, data: new TextDecoder().decode(r.data) };
}
