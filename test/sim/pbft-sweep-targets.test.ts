// Proves the PBFT scenarios the issue names one by one: the done-when sweeps (an equivocating
// backup at n = 4, an equivocating and a view-change-forging replica at n = 7), a primary that
// equivocates, stalls just under and just over the timeouts, or stays silent (each forcing view
// changes), Twins, and long runs that cross checkpoints (garbage collection, watermarks) while
// replicas crash and restart with no state and catch up by state transfer. Seeded simulator
// sweeps, each failure reported with its replay command.
import { describe, it } from 'node:test';
import { harsh, lossy, pbftSweep } from './pbft-sweeps.js';

describe('pbft sweeps, named scenarios', () => {
  it('n = 4, backup 1 equivocates, 5% loss and partitions (done-when)', () => {
    pbftSweep({
      n: 4,
      seeds: 100,
      seedStart: 1,
      byzantine: '1:equivocate',
      network: { loss: 0.05, partitions: true },
    });
  });

  it('n = 7, replica 1 equivocates and replica 2 forges view changes, 5% loss and partitions (done-when)', () => {
    const byzantine = '1:equivocate,2:forge-view-change';
    pbftSweep({ n: 7, seeds: 24, seedStart: 1, byzantine, network: { loss: 0.05, partitions: true } });
  });

  for (const b of ['equivocate', 'slow', 'silent', 'bad-digest', 'forge-view-change']) {
    it(`n = 4, the primary is ${b}, harsh network`, () => {
      pbftSweep({ n: 4, seeds: 30, seedStart: 5_000, byzantine: `0:${b}`, network: harsh });
    });
  }

  // Client authenticators (OSDI §4.1): with backups not checking them, every seed breaks validity.
  it('n = 4, the primary forges client requests, harsh network', () => {
    pbftSweep({ n: 4, seeds: 30, seedStart: 9_000, byzantine: '0:forge-request', network: harsh });
  });

  it('n = 7, twins of the primary and of a backup', () => {
    pbftSweep({ n: 7, seeds: 16, seedStart: 6_000, byzantine: '0:twins,3:twins', network: lossy });
  });

  it('long runs across checkpoints: a correct replica crashes and restarts, and catches up by state transfer', () => {
    pbftSweep({ n: 4, seeds: 6, seedStart: 7_000, requests: 600, network: lossy, crashes: true });
  });

  it('long runs across checkpoints with a Byzantine primary and a crash-restart at n = 7', () => {
    pbftSweep({
      n: 7,
      seeds: 3,
      seedStart: 8_000,
      requests: 600,
      byzantine: '0:equivocate',
      network: lossy,
      crashes: true,
    });
  });
});
