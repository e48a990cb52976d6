/**
 * `bulwark bench`: the cluster benchmark over real processes (contract in the foundation issue),
 * and micro-benchmarks of the layers below it (`bulwark bench codec|crypto|transport|sim`),
 * each repeated `--runs` times and reported as medians.
 */
import type { Command } from 'commander';
import type { ClusterBenchResult } from '../../bench/cluster-bench.js';
import { median, round } from '../../bench/stats.js';
import { planned, protocols } from '../../protocols/registry.js';
import { printJson, Progress, table } from '../output.js';
import { switchBenchCommand } from './bench-switch.js';
import { fail, int, oneOf, positive } from '../parse.js';

interface BenchFlags {
  protocol?: string;
  n?: number;
  f?: number;
  clients: number;
  outstanding: number;
  duration: number;
  warmup: number;
  requestSize: number;
  replySize: number;
  crypto: 'real' | 'none';
  encryption: boolean;
  runs: number;
  seconds: number;
  messages: number;
  json: boolean;
  plan?: string;
  out?: string;
  /** Whether --crypto was given (the matrix runs both modes otherwise). */
  cryptoSet?: boolean;
  /** Whether --outstanding and --clients were given (the protocols comparison defaults to 1 × 64). */
  outstandingSet?: boolean;
  clientsSet?: boolean;
}

const targets = ['cluster', 'matrix', 'protocols', 'switch', 'codec', 'crypto', 'transport', 'sim'] as const;

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      'benchmark a cluster of real processes over TCP, compare protocols side by side, or one layer: codec, crypto, transport, sim',
    )
    .argument('[target]', `one of ${targets.join(', ')}`, oneOf(targets), 'cluster')
    .option('--protocol <name>', 'ordering protocol (cluster)')
    .option('--n <count>', 'replicas (cluster)', int(1, 64))
    .option('--f <count>', 'faults to tolerate (cluster; default: the most n tolerate)', int(0, 21))
    .option('--clients <count>', 'closed-loop clients (cluster)', int(1, 1000), 4)
    .option('--outstanding <count>', 'requests each client keeps in flight (cluster)', int(1, 1024), 1)
    .option('--duration <seconds>', 'measured seconds (cluster)', positive, 10)
    .option('--warmup <seconds>', 'unmeasured seconds first (cluster)', positive, 1)
    .option('--request-size <bytes>', 'op bytes', int(0, 1024 * 1024), 0)
    .option('--reply-size <bytes>', 'result padding bytes', int(0, 1024 * 1024), 0)
    .option('--crypto <mode>', 'real or none', oneOf(['real', 'none'] as const), 'real')
    .option('--encryption', 'encrypt frames on the wire', false)
    .option('--runs <count>', 'repetitions; medians are reported (micro targets)', int(1, 100), 3)
    .option('--seconds <seconds>', 'seconds per measurement (codec, crypto)', positive, 1)
    .option('--messages <count>', 'messages per run (transport)', int(1000, 100_000_000), 1_000_000)
    .option('--plan <switches>', 'switch: "pbft@4,sequencer@8" (PROTOCOL[/IDS]@SECONDS; start: --protocol)')
    .option('--out <dir>', 'switch: where the CSV and SVG go', '.')
    .option('--json', 'machine-readable report on stdout', false)
    .action(async (target: (typeof targets)[number], flags: BenchFlags, cmd: Command) => {
      flags.cryptoSet = cmd.getOptionValueSource('crypto') === 'cli';
      flags.outstandingSet = cmd.getOptionValueSource('outstanding') === 'cli';
      flags.clientsSet = cmd.getOptionValueSource('clients') === 'cli';
      switch (target) {
        case 'cluster':
          return clusterCommand(flags);
        case 'matrix':
          return matrixCommand(flags);
        case 'protocols':
          return protocolsCommand(flags);
        case 'switch':
          return switchBenchCommand(flags);
        case 'codec':
          return codecCommand(flags);
        case 'crypto':
          return cryptoCommand(flags);
        case 'transport':
          return transportCommand(flags);
        case 'sim':
          return simCommand(flags);
      }
    });
}

async function clusterCommand(flags: BenchFlags): Promise<void> {
  if (flags.protocol === undefined || flags.n === undefined) fail('bench needs --protocol and --n', 2);
  if (!protocols.has(flags.protocol)) {
    fail(
      planned.has(flags.protocol)
        ? `${flags.protocol} is not available yet: ${planned.get(flags.protocol)}`
        : `unknown protocol '${flags.protocol}'`,
      2,
    );
  }
  const { benchCluster } = await import('../../bench/cluster-bench.js');
  const progress = new Progress(!flags.json);
  let result: ClusterBenchResult;
  try {
    result = await benchCluster({
      protocol: flags.protocol,
      n: flags.n,
      f: flags.f,
      clients: flags.clients,
      outstanding: flags.outstanding,
      durationSec: flags.duration,
      warmupSec: flags.warmup,
      requestBytes: flags.requestSize,
      replyBytes: flags.replySize,
      crypto: flags.crypto,
      encryption: flags.encryption,
      onProgress: (p) =>
        progress.update(
          `bench ${flags.protocol} n=${flags.n}: ${p.elapsedSec.toFixed(0)}s, ${p.completed} ops, ${Math.round(p.opsPerSec)} ops/s`,
        ),
    });
  } catch (e) {
    progress.done();
    fail((e as Error).message);
  }
  progress.done();
  if (flags.json) printJson(result);
  else printCluster(result);
  if (result.errors > 0) process.exitCode = 1;
}

function printCluster(result: ClusterBenchResult): void {
  const c = result.config;
  console.log(
    table(
      [
        'protocol',
        'n',
        'f',
        'clients×outstanding',
        'crypto',
        'ops/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'errors',
        'load gen CPU',
      ],
      [
        [
          c.protocol,
          c.n,
          c.f,
          `${c.clients}×${c.outstanding}`,
          c.crypto,
          result.throughputOpsPerSec,
          result.latencyMs.p50,
          result.latencyMs.p90,
          result.latencyMs.p99,
          result.errors,
          `${Math.round(result.loadGeneratorCpuShare * 100)}%`,
        ],
      ],
    ),
  );
  console.log(`replica CPU: ${result.replicaCpuShare.map((s) => `${Math.round(s * 100)}%`).join(', ')}`);
}

/** The grid of the PBFT issue's measurements; `--n`, `--request-size`, `--outstanding`, `--crypto` pin one axis. */
async function matrixCommand(flags: BenchFlags & { outstandingSet?: boolean }): Promise<void> {
  const { benchMatrix, matrixMarkdown } = await import('../../bench/matrix.js');
  const protocol = flags.protocol ?? 'pbft';
  const progress = new Progress(!flags.json);
  const cells = await benchMatrix({
    protocol,
    ns: flags.n !== undefined ? [flags.n] : [4, 7, 10],
    requestSizes: flags.requestSize > 0 ? [flags.requestSize] : [0, 1024],
    outstanding: flags.outstanding > 1 ? [flags.outstanding] : [1, 16, 64, 256],
    cryptos: flags.cryptoSet ? [flags.crypto] : ['real', 'none'],
    runs: flags.runs,
    durationSec: flags.duration,
    onCell: (done, total, c) =>
      progress.update(
        `matrix ${done}/${total}: n=${c.n} ${c.requestBytes}B ×${c.outstanding} ${c.crypto}: ${c.throughputOpsPerSec} ops/s`,
      ),
  });
  progress.done();
  if (flags.json) printJson(cells.map(({ runs: _runs, ...c }) => c));
  else console.log(matrixMarkdown(protocol, cells));
}

/**
 * The sequencer (n = 1), Paxos (n = 3) and PBFT (n = 4) on one workload (issue 4, item 6): by
 * default one client with 64 requests in flight, 0-byte requests, real crypto; medians of --runs.
 */
async function protocolsCommand(flags: BenchFlags): Promise<void> {
  const { benchProtocols, defaultLineup } = await import('../../bench/protocols-bench.js');
  const outstanding = flags.outstandingSet ? flags.outstanding : 64;
  const progress = new Progress(!flags.json);
  const rows = await benchProtocols({
    lineup: defaultLineup,
    clients: flags.clientsSet ? flags.clients : 1,
    outstanding,
    requestBytes: flags.requestSize,
    crypto: flags.crypto,
    runs: flags.runs,
    durationSec: flags.duration,
    warmupSec: flags.warmup,
    onRun: (done, total, protocol, r) =>
      progress.update(`protocols ${done}/${total}: ${protocol} ${r.throughputOpsPerSec} ops/s`),
  });
  progress.done();
  if (flags.json) return printJson(rows);
  console.log(
    table(
      ['protocol', 'n', 'f', 'ops/s (median)', '× pbft', 'p50 ms', 'p99 ms', 'errors', 'runs ops/s'],
      rows.map((r) => [
        r.protocol,
        r.n,
        r.f,
        r.throughputOpsPerSec,
        r.ratio,
        r.p50Ms,
        r.p99Ms,
        r.errors,
        r.runsOpsPerSec.join(' '),
      ]),
    ),
  );
  if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
}

// Each target loads its benchmark only when run, so one command does not pay for the others.
async function codecCommand(flags: BenchFlags): Promise<void> {
  const { benchCodec } = await import('../../bench/codec-bench.js');
  const runs = Array.from({ length: flags.runs }, () => benchCodec({ seconds: flags.seconds }));
  const report = {
    messageBytes: runs[0]?.messageBytes,
    encodeOpsPerSec: Math.round(median(runs.map((r) => r.encodeOpsPerSec))),
    decodeOpsPerSec: Math.round(median(runs.map((r) => r.decodeOpsPerSec))),
    runs,
  };
  if (flags.json) return printJson(report);
  console.log(
    table(
      ['message bytes', 'encode/s (median)', 'decode/s (median)', 'runs'],
      [[report.messageBytes ?? 0, report.encodeOpsPerSec, report.decodeOpsPerSec, flags.runs]],
    ),
  );
}

async function cryptoCommand(flags: BenchFlags): Promise<void> {
  const { benchCrypto } = await import('../../bench/crypto-bench.js');
  const runs = Array.from({ length: flags.runs }, () => benchCrypto({ seconds: flags.seconds }));
  const names = runs[0]?.map((r) => r.name) ?? [];
  const rows = names.map((name) => ({
    name,
    opsPerSec: Math.round(median(runs.map((run) => run.find((r) => r.name === name)?.opsPerSec ?? NaN))),
  }));
  if (flags.json) return printJson({ results: rows, runs });
  console.log(
    table(
      ['operation (100-byte message)', 'ops/s (median)'],
      rows.map((r) => [r.name, r.opsPerSec]),
    ),
  );
}

async function transportCommand(flags: BenchFlags): Promise<void> {
  const { benchTransport } = await import('../../bench/transport-bench.js');
  const runs = [];
  for (let i = 0; i < flags.runs; i++)
    runs.push(
      await benchTransport({
        messages: flags.messages,
        size: Math.max(flags.requestSize, 16),
        encryption: flags.encryption,
      }),
    );
  const report = {
    messages: flags.messages,
    encryption: flags.encryption,
    msgsPerSec: Math.round(median(runs.map((r) => r.msgsPerSec))),
    latencyMs: {
      p50: round(median(runs.map((r) => r.latencyMs.p50))),
      p99: round(median(runs.map((r) => r.latencyMs.p99))),
    },
    handshakeMs: round(median(runs.map((r) => r.handshakeMs))),
    runs,
  };
  if (flags.json) return printJson(report);
  console.log(
    table(
      ['messages', 'encryption', 'msgs/s', 'one-way p50 ms', 'one-way p99 ms', 'handshake ms'],
      [
        [
          report.messages,
          String(report.encryption),
          report.msgsPerSec,
          report.latencyMs.p50,
          report.latencyMs.p99,
          report.handshakeMs,
        ],
      ],
    ),
  );
}

async function simCommand(flags: BenchFlags): Promise<void> {
  const { benchSim } = await import('../../bench/sim-bench.js');
  const runs = Array.from({ length: flags.runs }, () =>
    benchSim({ runs: 10, protocol: flags.protocol, n: flags.n }),
  );
  const report = { deliveriesPerSec: Math.round(median(runs.map((r) => r.deliveriesPerSec))), runs };
  if (flags.json) return printJson(report);
  console.log(
    table(
      ['protocol', 'deliveries/s (median)', 'runs'],
      [[runs[0]?.protocol ?? '', report.deliveriesPerSec, flags.runs]],
    ),
  );
}
