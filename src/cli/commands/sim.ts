/** `bulwark sim`: seeded simulator sweeps (contract in the foundation issue; keep its shape). */
import type { Command } from 'commander';
import { planned, protocols } from '../../protocols/registry.js';
import { noneCryptoFor } from '../../sim/crypto.js';
import { parseByzantine } from '../../sim/faults.js';
import { defaultNetwork } from '../../sim/network.js';
import { runSweep } from '../../sim/run.js';
import { simDefaults } from '../../sim/config.js';
import { appNames, simApp } from '../../sim/app.js';
import { printJson, Progress, table } from '../output.js';
import { fail, fraction, int, oneOf, tuningList } from '../parse.js';

interface SimFlags {
  protocol: string;
  n: number;
  f?: number;
  seeds: number;
  seedStart: number;
  requests: number;
  clients: number;
  byzantine?: string;
  loss: number;
  duplicate: number;
  partitions: boolean;
  crashes: boolean;
  service: string;
  guarantee: 'fifo' | 'total' | 'mixed';
  tuning?: Record<string, number>;
  messages?: number;
  json: boolean;
}

/**
 * The ITUA group communication stack runs in the group simulator (sim/group): members multicast
 * with a guarantee instead of clients sending requests, and the membership layer excludes faulty
 * members; --byzantine knows the paper's faults (crash, mutant, impede-total-order and Table III's).
 */
async function groupCommand(flags: SimFlags): Promise<void> {
  const { runGroupSweep } = await import('../../sim/group/run.js');
  const progress = new Progress(!flags.json);
  let report;
  try {
    report = runGroupSweep({
      n: flags.n,
      seeds: flags.seeds,
      seedStart: flags.seedStart,
      byzantine: flags.byzantine,
      loss: flags.loss,
      duplicate: flags.duplicate,
      partitions: flags.partitions,
      crashes: flags.crashes,
      guarantee: flags.guarantee,
      messages: flags.messages,
      tuning: flags.tuning,
      onRun: (_r, done) => {
        if (done % 10 === 0 || done === flags.seeds)
          progress.update(`sim itua n=${flags.n}: ${done}/${flags.seeds} runs`);
      },
    });
  } catch (e) {
    progress.done();
    fail((e as Error).message, 2);
  }
  progress.done();
  if (flags.json) printJson(report);
  else printHuman({ ...report, requestsCommitted: report.multicasts, deliveriesPerSec: report.framesPerSec });
  process.exitCode = report.failed === 0 ? 0 : 1;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description(
      'run seeded simulations with faults and check every invariant; exits 0 only if none is violated',
    )
    .requiredOption('--protocol <name>', 'ordering protocol')
    .requiredOption('--n <count>', 'replicas', int(1, 256))
    .option('--f <count>', 'faults to tolerate (default: the most n replicas tolerate)', int(0, 85))
    .requiredOption('--seeds <count>', 'seeded runs', int(1, 10_000_000))
    .option('--seed-start <seed>', 'first seed', int(0, 0xffff_ffff), 1)
    .option('--requests <count>', 'requests per run', int(1, 1_000_000), simDefaults.requests)
    .option('--clients <count>', 'clients per run', int(1, 1000), simDefaults.clients)
    .option('--byzantine <spec>', 'faulty replicas and behaviours, "ID:BEHAVIOR,…"')
    .option('--loss <p>', 'message loss before stabilization', fraction, 0)
    .option('--duplicate <p>', 'message duplication', fraction, 0)
    .option('--partitions', 'open partitions that heal before stabilization', false)
    .option('--crashes', 'crash replicas (and restart them where the protocol can recover)', false)
    .option(
      '--service <name>',
      `the replicated service and its workload: ${appNames().join(', ')}`,
      'counter',
    )
    .option(
      '--guarantee <g>',
      'itua: what applications ask for: fifo, total or mixed',
      oneOf(['fifo', 'total', 'mixed'] as const),
      'total',
    )
    .option('--messages <count>', 'itua: multicasts per member', int(1, 100_000))
    .option('--tuning <pairs>', 'protocol tuning, e.g. checkpointInterval=8,requestTimeoutMs=300', tuningList)
    .option('--json', 'machine-readable report on stdout', false)
    .action((flags: SimFlags) => simCommand(flags));
}

async function simCommand(flags: SimFlags): Promise<void> {
  if (flags.protocol === 'itua') return groupCommand(flags);
  const module = protocols.get(flags.protocol);
  if (module === undefined)
    fail(
      planned.get(flags.protocol)
        ? `${flags.protocol} is not available yet: ${planned.get(flags.protocol)}`
        : `unknown protocol '${flags.protocol}'`,
      2,
    );
  const f = flags.f ?? module.maxFaults(flags.n);
  if (module.maxFaults(flags.n) < f)
    fail(`${flags.protocol} needs ${module.quorum(f).n} replicas for f=${f}; --n is ${flags.n}`, 2);
  const byz = parseByzantine(flags.byzantine, flags.n, flags.protocol);
  if (!byz.ok) fail(byz.error, 2);
  const app = simApp(flags.service);
  if (app === undefined) fail(`unknown service '${flags.service}'; known: ${appNames().join(', ')}`, 2);
  const progress = new Progress(!flags.json);
  const report = runSweep({
    protocol: flags.protocol,
    module,
    app,
    n: flags.n,
    f,
    seeds: flags.seeds,
    seedStart: flags.seedStart,
    requests: flags.requests,
    clients: flags.clients,
    byzantine: byz.value,
    byzantineText: flags.byzantine,
    network: {
      ...defaultNetwork,
      loss: flags.loss,
      duplicate: flags.duplicate,
      partitions: flags.partitions,
    },
    crashes: flags.crashes,
    tuning: flags.tuning,
    cryptoFor: noneCryptoFor(flags.n, flags.clients),
    onRun: (_r, done) => {
      if (done % 10 === 0 || done === flags.seeds)
        progress.update(`sim ${flags.protocol} n=${flags.n}: ${done}/${flags.seeds} runs`);
    },
  });
  progress.done();
  if (flags.json) printJson(report);
  else printHuman(report);
  process.exitCode = report.failed === 0 ? 0 : 1;
}

function printHuman(
  r: Pick<
    ReturnType<typeof runSweep>,
    | 'protocol'
    | 'n'
    | 'f'
    | 'runs'
    | 'passed'
    | 'failed'
    | 'requestsCommitted'
    | 'deliveriesPerSec'
    | 'wallSeconds'
    | 'violations'
  >,
): void {
  console.log(
    table(
      ['protocol', 'n', 'f', 'runs', 'passed', 'failed', 'requests committed', 'deliveries/s', 'wall s'],
      [
        [
          r.protocol,
          r.n,
          r.f,
          r.runs,
          r.passed,
          r.failed,
          r.requestsCommitted,
          r.deliveriesPerSec,
          Number(r.wallSeconds.toFixed(2)),
        ],
      ],
    ),
  );
  if (r.violations.length === 0) return;
  console.log(`\n${r.violations.length} violation(s):`);
  for (const v of r.violations.slice(0, 20)) {
    console.log(`- seed ${v.seed}: ${v.invariant}: ${v.message}\n  replay: ${v.replay}`);
  }
  if (r.violations.length > 20) console.log(`… and ${r.violations.length - 20} more (use --json for all)`);
}
