// Proves that Multi-Paxos keeps agreement, total order, validity, exactly-once execution and
// linearizable client results, and completes every request once the network is stable, with
// n = 3 and n = 5 under crash faults (up to f replicas crash for good), message loss,
// duplication (and so reordering) and partitions that heal: seeded simulator sweeps over the
// key-value store, each failure reported with the command that replays it. Checkpoints every 8
// batches make the runs cross garbage collection and state transfer; one sweep shrinks the log
// window, the election timeout and the promises to stress their edges.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paxos } from '../../src/protocols/paxos/index.js';
import { kvApp } from '../../src/sim/apps/kv.js';
import type { NetworkConfig } from '../../src/sim/network.js';
import type { SweepReport } from '../../src/sim/run.js';
import { sweep, type SweepSpec } from './helpers.js';

const REQUESTS = 48;
const TUNING = { checkpointInterval: 8 } as const;
const lossy: Partial<NetworkConfig> = { loss: 0.05, duplicate: 0.02, partitions: true };
const harsh: Partial<NetworkConfig> = { loss: 0.15, duplicate: 0.05, partitions: true };

function paxosSweep(spec: Omit<SweepSpec, 'module'>): SweepReport {
  const r = sweep({ module: paxos, requests: REQUESTS, app: kvApp, tuning: TUNING, ...spec });
  const shown = r.violations
    .slice(0, 3)
    .map((v) => `  seed ${v.seed}: ${v.invariant}: ${v.message}\n    ${v.replay}`)
    .join('\n');
  assert.equal(r.failed, 0, `${r.failed} of ${r.runs} runs violated an invariant:\n${shown}`);
  assert.equal(r.requestsCommitted, r.runs * REQUESTS, 'every request completes');
  return r;
}

describe('paxos sweeps', () => {
  it('n = 3: one replica crashes for good, lossy network with partitions', () => {
    paxosSweep({ n: 3, seeds: 120, seedStart: 30_000, network: lossy, crashes: true });
  });

  it('n = 3: no crash, harsh network; lagging replicas catch up by state transfer', () => {
    const r = paxosSweep({ n: 3, seeds: 120, seedStart: 31_000, network: harsh });
    assert.ok(r.stateInstalls > 0, 'some replica fell behind garbage-collected batches');
  });

  it('n = 5: two replicas crash for good, lossy network with partitions', () => {
    paxosSweep({ n: 5, seeds: 80, seedStart: 50_000, network: lossy, crashes: true });
  });

  // Found by wider sweeps: with a window of two checkpoints, a replica that missed the votes of
  // a stable checkpoint (or fetched a state no peer serves any more) used to stall the leader.
  it('n = 3: a log window of 8 slots, quick elections, promises cut in parts, harsh network', () => {
    const tuning = { checkpointInterval: 4, logSize: 8, electionTimeoutMs: 60, promiseBytesMax: 1 };
    paxosSweep({ n: 3, seeds: 100, seedStart: 1_300_000, network: harsh, crashes: true, tuning });
  });

  it('n = 5: two replicas crash for good, harsh network', () => {
    paxosSweep({ n: 5, seeds: 80, seedStart: 51_000, network: harsh, crashes: true });
  });
});
