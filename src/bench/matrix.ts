/**
 * `bulwark bench matrix`: the grid of cluster benchmarks a release is judged by (request size ×
 * total outstanding requests × crypto × n), each cell the median of `runs` runs, written as a
 * markdown table and JSON. Cells run one after another: on a 2-core machine anything else
 * measures the scheduler.
 */
import type { CryptoMode } from '../core/crypto-suite.js';
import { benchCluster, type ClusterBenchResult } from './cluster-bench.js';
import { median, round } from './stats.js';
import { markdownTable } from '../report/markdown.js';

export interface MatrixOptions {
  readonly protocol: string;
  readonly ns: readonly number[];
  readonly requestSizes: readonly number[];
  /** Total requests in flight across all clients. */
  readonly outstanding: readonly number[];
  readonly cryptos: readonly CryptoMode[];
  readonly runs: number;
  readonly durationSec: number;
  readonly onCell?: (done: number, total: number, cell: MatrixCell) => void;
}

export interface MatrixCell {
  readonly n: number;
  readonly requestBytes: number;
  readonly outstanding: number;
  readonly crypto: CryptoMode;
  readonly clients: number;
  readonly throughputOpsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly loadGeneratorCpuShare: number;
  readonly runs: readonly ClusterBenchResult[];
}

/**
 * Pipeline the outstanding requests through as few clients as possible (one per 64): each client
 * identity is its own transport with its own authenticated connections, so spreading 64
 * requests over 16 clients measures the load generator's per-connection overhead (measured:
 * 16×4 gave 4.9k ops/s where 1×64 gave 11.7k on the same cluster).
 */
function clientsFor(outstanding: number): { clients: number; perClient: number } {
  const clients = Math.max(1, Math.ceil(outstanding / 64));
  return { clients, perClient: Math.max(1, Math.round(outstanding / clients)) };
}

export async function benchMatrix(o: MatrixOptions): Promise<MatrixCell[]> {
  const cells: MatrixCell[] = [];
  const total = o.ns.length * o.requestSizes.length * o.outstanding.length * o.cryptos.length;
  for (const n of o.ns)
    for (const requestBytes of o.requestSizes)
      for (const outstanding of o.outstanding)
        for (const crypto of o.cryptos) {
          const { clients, perClient } = clientsFor(outstanding);
          const runs: ClusterBenchResult[] = [];
          for (let r = 0; r < o.runs; r++) {
            runs.push(
              await benchCluster({
                protocol: o.protocol,
                n,
                clients,
                outstanding: perClient,
                durationSec: o.durationSec,
                warmupSec: 1,
                requestBytes,
                replyBytes: 0,
                crypto,
                encryption: false,
              }),
            );
          }
          const cell: MatrixCell = {
            n,
            requestBytes,
            outstanding,
            crypto,
            clients,
            throughputOpsPerSec: Math.round(median(runs.map((x) => x.throughputOpsPerSec))),
            p50Ms: round(median(runs.map((x) => x.latencyMs.p50))),
            p99Ms: round(median(runs.map((x) => x.latencyMs.p99))),
            errors: runs.reduce((a, x) => a + x.errors, 0),
            loadGeneratorCpuShare: round(median(runs.map((x) => x.loadGeneratorCpuShare))),
            runs,
          };
          cells.push(cell);
          o.onCell?.(cells.length, total, cell);
        }
  return cells;
}

export function matrixMarkdown(protocol: string, cells: readonly MatrixCell[]): string {
  const header = [
    'n',
    'request bytes',
    'outstanding',
    'crypto',
    'ops/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'load generator CPU',
  ];
  const rows = cells.map((c) => [
    c.n,
    c.requestBytes,
    `${c.outstanding} (${c.clients}×${Math.round(c.outstanding / c.clients)})`,
    c.crypto,
    c.throughputOpsPerSec,
    c.p50Ms,
    c.p99Ms,
    c.errors,
    `${Math.round(c.loadGeneratorCpuShare * 100)}%`,
  ]);
  return [
    `${protocol}: medians of ${cells[0]?.runs.length ?? 0} runs per cell`,
    '',
    markdownTable(header, rows),
  ].join('\n');
}
