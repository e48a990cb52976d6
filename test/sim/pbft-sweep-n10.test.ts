// Proves that PBFT with n = 10 (f = 3) keeps every invariant the simulator checks with three
// Byzantine replicas doing different attacks of the issue at once (the primary among them or
// not), over a lossy, duplicating, partitioned network: seeded simulator sweeps, each failure
// reported with its replay command.
import { describe, it } from 'node:test';
import { behaviours, lossy, nextBehaviour, pbftSweep } from './pbft-sweeps.js';

const SEEDS = 10;

describe('pbft sweeps, n = 10', () => {
  behaviours.forEach((b, i) => {
    const withPrimary = `0:${b},4:${nextBehaviour(b, 3)},8:${nextBehaviour(b, 6)}`;
    it(`${withPrimary}, lossy network`, () => {
      pbftSweep({
        n: 10,
        seeds: SEEDS,
        seedStart: 100_000 + i * 1_000,
        byzantine: withPrimary,
        network: lossy,
      });
    });
    const backups = `3:${b},6:${nextBehaviour(b, 4)},9:${nextBehaviour(b, 7)}`;
    it(`${backups}, lossy network`, () => {
      pbftSweep({ n: 10, seeds: SEEDS, seedStart: 100_500 + i * 1_000, byzantine: backups, network: lossy });
    });
  });
});
