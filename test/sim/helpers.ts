// Shared set-up for simulator tests: a sweep over a protocol with the simulator's defaults.
import type { ProtocolModule } from '../../src/protocols/module.js';
import type { SimApp } from '../../src/sim/app.js';
import { noneCryptoFor } from '../../src/sim/crypto.js';
import { parseByzantine } from '../../src/sim/faults.js';
import { defaultNetwork, type NetworkConfig } from '../../src/sim/network.js';
import { runSweep, worldConfig, type SweepOptions } from '../../src/sim/run.js';

export interface SweepSpec {
  module: ProtocolModule<unknown>;
  n: number;
  f?: number;
  seeds: number;
  seedStart?: number;
  requests?: number;
  clients?: number;
  byzantine?: string;
  network?: Partial<NetworkConfig>;
  crashes?: boolean;
  app?: SimApp;
  tuning?: Readonly<Record<string, number>>;
}

export function sweepOptions(s: SweepSpec): SweepOptions {
  const byz = parseByzantine(s.byzantine, s.n, s.module.name);
  if (!byz.ok) throw new Error(byz.error);
  const clients = s.clients ?? 4;
  return {
    protocol: s.module.name,
    module: s.module,
    n: s.n,
    f: s.f ?? s.module.maxFaults(s.n),
    seeds: s.seeds,
    seedStart: s.seedStart ?? 1,
    requests: s.requests ?? 100,
    clients,
    byzantine: byz.value,
    byzantineText: s.byzantine,
    network: { ...defaultNetwork, ...s.network },
    crashes: s.crashes ?? false,
    app: s.app,
    tuning: s.tuning,
    cryptoFor: noneCryptoFor(s.n, clients),
  };
}

export function sweep(s: SweepSpec) {
  return runSweep(sweepOptions(s));
}

export { worldConfig };
