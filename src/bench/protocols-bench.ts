/**
 * `bulwark bench protocols`: the sequencer (n = 1), Paxos (n = 3) and PBFT (n = 4) side by side
 * on one workload, each a cluster of real processes over TCP (cluster-bench.ts), and the ratio
 * of each throughput to PBFT's. Runs interleave the protocols (sequencer, paxos, pbft, then
 * again) so that a slow spell of the shared machine hits all of them alike; each figure is the
 * median of its runs.
 */
import type { CryptoMode } from '../core/crypto-suite.js';
import { benchCluster, type ClusterBenchResult } from './cluster-bench.js';
import { median, round } from './stats.js';

export interface ProtocolsBenchOptions {
  /** Protocol name and replica count, in the order to run and print them; the last is the baseline of the ratios. */
  readonly lineup: readonly { readonly protocol: string; readonly n: number }[];
  readonly clients: number;
  readonly outstanding: number;
  readonly requestBytes: number;
  readonly crypto: CryptoMode;
  readonly runs: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly onRun?: (done: number, total: number, protocol: string, result: ClusterBenchResult) => void;
}

export interface ProtocolsBenchRow {
  readonly protocol: string;
  readonly n: number;
  readonly f: number;
  /** Median over the runs. */
  readonly throughputOpsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Median throughput over the baseline's median throughput. */
  readonly ratio: number;
  readonly runsOpsPerSec: readonly number[];
}

export async function benchProtocols(o: ProtocolsBenchOptions): Promise<ProtocolsBenchRow[]> {
  const results = new Map<string, ClusterBenchResult[]>(o.lineup.map((l) => [key(l), []]));
  const total = o.runs * o.lineup.length;
  let done = 0;
  for (let run = 0; run < o.runs; run++) {
    for (const l of o.lineup) {
      const result = await benchCluster({
        protocol: l.protocol,
        n: l.n,
        clients: o.clients,
        outstanding: o.outstanding,
        durationSec: o.durationSec,
        warmupSec: o.warmupSec,
        requestBytes: o.requestBytes,
        replyBytes: 0,
        crypto: o.crypto,
        encryption: false,
      });
      results.get(key(l))?.push(result);
      o.onRun?.(++done, total, l.protocol, result);
    }
  }
  const base = o.lineup[o.lineup.length - 1];
  const baseOps = base === undefined ? NaN : median(opsOf(results.get(key(base)) ?? []));
  return o.lineup.map((l) => {
    const runs = results.get(key(l)) ?? [];
    const ops = median(opsOf(runs));
    return {
      protocol: l.protocol,
      n: l.n,
      f: runs[0]?.config.f ?? 0,
      throughputOpsPerSec: Math.round(ops),
      p50Ms: round(median(runs.map((r) => r.latencyMs.p50))),
      p99Ms: round(median(runs.map((r) => r.latencyMs.p99))),
      errors: runs.reduce((a, r) => a + r.errors, 0),
      ratio: round(ops / baseOps),
      runsOpsPerSec: opsOf(runs),
    };
  });
}

function key(l: { protocol: string; n: number }): string {
  return `${l.protocol}/${l.n}`;
}

function opsOf(runs: readonly ClusterBenchResult[]): number[] {
  return runs.map((r) => r.throughputOpsPerSec);
}

/** The lineup the issue asks for: sequencer n = 1, paxos n = 3, pbft n = 4 (the baseline). */
export const defaultLineup = [
  { protocol: 'sequencer', n: 1 },
  { protocol: 'paxos', n: 3 },
  { protocol: 'pbft', n: 4 },
] as const;
