// Shared plan of the PBFT simulator sweeps (pbft-sweep-*.test.ts): the Byzantine behaviours the
// issue names, the faulty networks, and a sweep that fails with the replay commands of its first
// violations. Each sweep file takes a part of the plan so that files run side by side.
import assert from 'node:assert/strict';
import { pbft } from '../../src/protocols/pbft/index.js';
import type { NetworkConfig } from '../../src/sim/network.js';
import type { SweepReport } from '../../src/sim/run.js';
import { kvApp } from '../../src/sim/apps/kv.js';
import { sweep, type SweepSpec } from './helpers.js';

/** The behaviours `bulwark sim --byzantine` must accept (issue 3, item 6); `crash` restarts with no state. */
export const behaviours = [
  'silent',
  'crash',
  'equivocate',
  'corrupt-reply',
  'bad-digest',
  'forge-view-change',
  'replay',
  'slow',
  'malformed',
  'twins',
] as const;

/** Loss, duplication (and so reordering) and partitions that heal before stabilization. */
export const lossy: Partial<NetworkConfig> = { loss: 0.05, duplicate: 0.02, partitions: true };
export const harsh: Partial<NetworkConfig> = { loss: 0.15, duplicate: 0.05, partitions: true };

/** Requests per run: enough to span the faulty phase and stabilization, few enough for 2,000 runs in CI. */
export const REQUESTS = 48;

/**
 * Checkpoints every 8 batches, so that even a 48-request run crosses several: the sweeps then
 * exercise checkpoint certificates, garbage collection and state transfer, not only ordering.
 */
export const TUNING = { checkpointInterval: 8 } as const;

/**
 * Runs a sweep of PBFT worlds serving the key-value store (so every run's client history is also
 * checked for linearizability) and fails, listing replayable seeds, on any violation.
 */
export function pbftSweep(spec: Omit<SweepSpec, 'module'>): SweepReport {
  const r = sweep({ module: pbft, requests: REQUESTS, app: kvApp, tuning: TUNING, ...spec });
  const shown = r.violations
    .slice(0, 3)
    .map((v) => `  seed ${v.seed}: ${v.invariant}: ${v.message}\n    ${v.replay}`)
    .join('\n');
  assert.equal(r.failed, 0, `${r.failed} of ${r.runs} runs violated an invariant:\n${shown}`);
  assert.equal(r.requestsCommitted, r.runs * (spec.requests ?? REQUESTS), 'every request completes');
  return r;
}

/** The behaviour `k` places after `b` in the list (to pair different attacks in one world). */
export function nextBehaviour(b: (typeof behaviours)[number], k: number): (typeof behaviours)[number] {
  return behaviours[(behaviours.indexOf(b) + k) % behaviours.length] as (typeof behaviours)[number];
}
