// Shared plan of the switching sweeps (switching-*.test.ts): worlds whose replicas run the
// switching layer over the key-value store while an administrator switches protocols and
// members, and a sweep that fails with the replay commands of its first violations.
import assert from 'node:assert/strict';
import { kvApp } from '../../src/sim/apps/kv.js';
import { noneCryptoFor } from '../../src/sim/crypto.js';
import type { NetworkConfig } from '../../src/sim/network.js';
import { runSweep, type SweepReport } from '../../src/sim/run.js';
import { parseSwitchPlan, type SimSwitching } from '../../src/sim/switching.js';
import { switchingSchemaModule } from '../../src/smr/switching/index.js';
import { sweepOptions } from './helpers.js';

export const lossy: Partial<NetworkConfig> = { loss: 0.05, duplicate: 0.02, partitions: true };
export const REQUESTS = 48;
/** Checkpoints every 8 batches, so that epochs cross checkpoints and laggards fetch state. */
export const TUNING = { checkpointInterval: 8 } as const;

export interface SwitchSweep {
  readonly n: number;
  readonly plan: string;
  readonly initial?: string;
  readonly seeds: number;
  readonly seedStart: number;
  readonly byzantine?: string;
  readonly network?: Partial<NetworkConfig>;
}

export function switchSweep(s: SwitchSweep): SweepReport {
  const plan = parseSwitchPlan(s.plan, s.n, s.initial ?? 'sequencer');
  if (!plan.ok) throw new Error(plan.error);
  const clients = 4;
  const base = sweepOptions({
    module: switchingSchemaModule,
    n: s.n,
    seeds: s.seeds,
    seedStart: s.seedStart,
    requests: REQUESTS,
    clients,
    app: kvApp,
    tuning: TUNING,
    byzantine: s.byzantine,
    network: s.network ?? lossy,
  });
  const switching: SimSwitching = plan.value;
  // One more identity in the keyring: the administrator, whose key signs the commands.
  const r = runSweep({
    ...base,
    protocol: switching.initial,
    cryptoFor: noneCryptoFor(s.n, clients + 1),
    switching,
    switchText: s.plan,
  });
  const shown = r.violations
    .slice(0, 3)
    .map((v) => `  seed ${v.seed}: ${v.invariant}: ${v.message}\n    ${v.replay}`)
    .join('\n');
  assert.equal(r.failed, 0, `${r.failed} of ${r.runs} runs violated an invariant:\n${shown}`);
  assert.equal(r.requestsCommitted, r.runs * (REQUESTS + plan.value.plan.length), 'every request completes');
  return r;
}
