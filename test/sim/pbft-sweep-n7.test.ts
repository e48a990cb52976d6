// Proves that PBFT with n = 7 (f = 2) keeps every invariant the simulator checks (agreement,
// total order, validity, exactly-once, client results, liveness after stabilization) with two
// Byzantine replicas doing different attacks of the issue, the primary among them or not, over a
// lossy, duplicating, partitioned network: seeded simulator sweeps with replayable failures.
import { describe, it } from 'node:test';
import { behaviours, harsh, lossy, nextBehaviour, pbftSweep } from './pbft-sweeps.js';

const SEEDS = 22;

describe('pbft sweeps, n = 7', () => {
  behaviours.forEach((b, i) => {
    const withPrimary = `0:${b},4:${nextBehaviour(b, 3)}`;
    it(`${withPrimary}, lossy network`, () => {
      pbftSweep({
        n: 7,
        seeds: SEEDS,
        seedStart: 70_000 + i * 1_000,
        byzantine: withPrimary,
        network: lossy,
      });
    });
    const backups = `2:${b},5:${nextBehaviour(b, 6)}`;
    it(`${backups}, lossy network`, () => {
      pbftSweep({ n: 7, seeds: SEEDS, seedStart: 70_500 + i * 1_000, byzantine: backups, network: lossy });
    });
  });

  it('one Byzantine replica and a correct one crashing and restarting, harsh network', () => {
    pbftSweep({
      n: 7,
      seeds: SEEDS,
      seedStart: 79_000,
      byzantine: '1:equivocate',
      network: harsh,
      crashes: true,
    });
  });
});
