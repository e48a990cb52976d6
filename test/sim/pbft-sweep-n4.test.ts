// Proves that PBFT with n = 4 (f = 1) keeps agreement, total order, validity, exactly-once
// execution and correct client results, and completes every request once the network is stable,
// with each Byzantine behaviour of the issue at the primary and at a backup, over a network that
// loses, duplicates, reorders and partitions messages: seeded simulator sweeps, each failure
// reported with the command that replays it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { behaviours, harsh, lossy, pbftSweep } from './pbft-sweeps.js';

const SEEDS = 54;

describe('pbft sweeps, n = 4', () => {
  behaviours.forEach((b, i) => {
    it(`primary (replica 0) ${b}, lossy network`, () => {
      pbftSweep({ n: 4, seeds: SEEDS, seedStart: 40_000 + i * 1_000, byzantine: `0:${b}`, network: lossy });
    });
    it(`backup (replica ${1 + (i % 3)}) ${b}, lossy network`, () => {
      const byzantine = `${1 + (i % 3)}:${b}`;
      pbftSweep({ n: 4, seeds: SEEDS, seedStart: 41_500 + i * 1_000, byzantine, network: lossy });
    });
  });

  it('no Byzantine replica, harsh network, a correct replica crashes and restarts with no state', () => {
    const r = pbftSweep({ n: 4, seeds: SEEDS, seedStart: 49_000, network: harsh, crashes: true });
    assert.ok(r.stateInstalls > 0, 'restarted replicas must have caught up by state transfer');
  });
});
