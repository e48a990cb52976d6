/**
 * Simulator speed: simulated message deliveries per wall-clock second over a fixed sweep (the
 * sequencer with 4 replicas, lossy network, partitions, 2,000 requests per run). Protocols
 * added later are measured against this ceiling.
 */
import { protocols } from '../protocols/registry.js';
import { noneCryptoFor } from '../sim/crypto.js';
import { defaultNetwork } from '../sim/network.js';
import { runSweep } from '../sim/run.js';

export interface SimBenchReport {
  readonly protocol: string;
  readonly runs: number;
  readonly deliveries: number;
  readonly wallSeconds: number;
  readonly deliveriesPerSec: number;
}

export function benchSim(opts: { runs: number; protocol?: string; n?: number }): SimBenchReport {
  const protocol = opts.protocol ?? 'sequencer';
  const module = protocols.get(protocol);
  if (module === undefined) throw new Error(`protocol '${protocol}' is not available`);
  const n = opts.n ?? 4;
  const report = runSweep({
    protocol,
    module,
    n,
    f: module.maxFaults(n),
    seeds: opts.runs,
    seedStart: 1,
    requests: 2_000,
    clients: 4,
    byzantine: new Map(),
    byzantineText: undefined,
    network: { ...defaultNetwork, loss: 0.02, duplicate: 0.01, partitions: true },
    crashes: false,
    cryptoFor: noneCryptoFor(n, 4),
  });
  return {
    protocol,
    runs: report.runs,
    deliveries: report.deliveries,
    wallSeconds: report.wallSeconds,
    deliveriesPerSec: report.deliveriesPerSec,
  };
}
