/** `bulwark replica --config F --id I`: one replica process of a cluster. */
import type { Command } from 'commander';
import { jsonLogger } from '../../core/log.js';
import { answerInjectRequest } from '../../runtime/fault-injection.js';
import { startReplica, type RunningReplica } from '../../runtime/replica-process.js';
import { fail, int, oneOf } from '../parse.js';

interface ReplicaFlags {
  config: string;
  id: number;
  key?: string;
  context: 'deployment' | 'bench';
  replySize: number;
  service: 'kv' | 'counter';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  ipc: boolean;
}

export function registerReplica(program: Command): void {
  program
    .command('replica')
    .description('run one replica of the cluster described by a cluster file')
    .requiredOption('--config <file>', 'cluster file')
    .requiredOption('--id <id>', 'this replica', int(0, 255))
    .option('--key <file>', 'private key file (default: member-<id>.key beside the cluster file)')
    .option(
      '--context <context>',
      "'bench' accepts crypto none; deployments refuse it",
      oneOf(['deployment', 'bench'] as const),
      'deployment',
    )
    .option(
      '--service <name>',
      "the replicated service: kv (the key-value store) or counter (the benchmarks' service)",
      oneOf(['kv', 'counter'] as const),
      'kv',
    )
    .option('--reply-size <bytes>', 'padding of the benchmark service replies', int(0, 1024 * 1024), 0)
    .option(
      '--log-level <level>',
      'debug, info, warn or error',
      oneOf(['debug', 'info', 'warn', 'error'] as const),
      'info',
    )
    .option('--ipc', 'report readiness and counters to a parent process', false)
    .action(runReplica);
}

/** Start the replica, then serve until a signal, or until the parent process goes away. */
async function runReplica(flags: ReplicaFlags): Promise<void> {
  const log = jsonLogger(`replica-${flags.id}`, flags.logLevel);
  let replica;
  try {
    replica = await startReplica({
      configPath: flags.config,
      id: flags.id,
      keyPath: flags.key,
      context: flags.context,
      replyBytes: flags.replySize,
      service: flags.service,
      log,
    });
  } catch (e) {
    fail((e as Error).message, 2);
  }
  const r = replica;
  const member = r.spec.members.find((m) => m.id === flags.id);
  log.log('info', 'ready', {
    id: flags.id,
    protocol: r.spec.protocol,
    listen: `${member?.host}:${member?.port}`,
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await r.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (flags.ipc && process.send) {
    process.send({ kind: 'ready' });
    process.on('message', (m: { kind?: string; behaviours?: string[] }) => answerParent(r, m));
    // The parent is gone: do not linger as an orphan holding ports.
    process.on('disconnect', stop);
  }
}

const reply = (message: unknown) => process.send?.(message);

/** The launcher's requests over IPC: counters (benchmarks, demo) and fault injection (demo, tests). */
function answerParent(r: RunningReplica, m: { kind?: string; behaviours?: string[] }): void {
  if (m.kind === 'inject') return answerInjectRequest(m.behaviours, (names) => r.inject(names), reply);
  if (m.kind !== 'stats?') return;
  const cpu = process.cpuUsage();
  const status = r.status();
  const executed = r.executed();
  process.send?.({
    kind: 'stats',
    stats: {
      cpuMicros: cpu.user + cpu.system,
      ...executed,
      ...r.transport.counters(),
      ...r.host.counters,
      view: status.view,
      leader: status.leader,
      counters: { ...status.counters, stateInstalls: executed.stateInstalls },
      suspicions: Object.fromEntries(r.host.suspicionsBy),
      injected: r.host.injectedFaults,
    },
  });
}
