// Proves the ITUA group members keep seed 003's properties in seeded group worlds: sweeps at n = 4
// and n = 7, fault-free, over lossy, duplicating, partitioned networks, with mutant,
// impede-total-order, silent, replaying and malformed members and with crashes, all pass every
// checker (integrity, FIFO, total order, agreement, accuracy, liveness, the membership properties
// and view synchrony, and every faulty member whose fault shows excluded); and a seed replays
// event for event. Table III's faults have their own sweeps (itua-membership-sweep.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupWorld } from '../../src/sim/group/world.js';
import {
  groupReplayCommand,
  groupWorldConfig,
  runGroupSweep,
  type GroupSweepOptions,
} from '../../src/sim/group/run.js';

function sweep(o: Omit<GroupSweepOptions, 'seedStart'> & { seedStart?: number }) {
  const report = runGroupSweep({ seedStart: 1, ...o });
  assert.equal(report.failed, 0, JSON.stringify(report.violations.slice(0, 3), null, 1));
  assert.equal(report.completed, report.runs, 'every run reached every expected outcome before its deadline');
  return report;
}

const lossy = { loss: 0.1, duplicate: 0.05, partitions: true } as const;

describe('itua group worlds, n = 4', () => {
  it('fault-free: every multicast delivered everywhere in one total order, nobody suspected', () => {
    const r = sweep({ n: 4, seeds: 50 });
    assert.equal(r.deliveries, r.multicasts * 4);
    assert.equal(r.suspicions, 0);
  });

  it('lossy, duplicating, partitioned networks that heal, with a mix of FIFO and total order', () => {
    // A correct member cut off for long may be removed before the network stabilizes; the
    // checkers judge the others. Most runs keep everyone.
    const r = sweep({ n: 4, seeds: 60, guarantee: 'mixed', ...lossy });
    assert.ok(r.deliveries >= r.multicasts * 3);
  });

  it('a mutant member is suspected and excluded, and the order goes on', () => {
    const r = sweep({ n: 4, seeds: 40, byzantine: '1:mutant', ...lossy });
    assert.ok(r.suspicions >= 2 * r.runs);
  });

  it('a mutant member is found by all through one victim’s proof, under FIFO only', () => {
    sweep({ n: 4, seeds: 20, byzantine: '2:mutant', guarantee: 'fifo', loss: 0.1 });
  });

  it('a member that impedes the total order is suspected by f+1 and excluded, and the order goes on', () => {
    const r = sweep({ n: 4, seeds: 40, byzantine: '3:impede-total-order', loss: 0.1 });
    assert.ok(r.suspicions >= 2 * r.runs);
  });

  it('a crashed member and a silent member are found by their silence and excluded', () => {
    sweep({ n: 4, seeds: 20, crashes: true, guarantee: 'fifo', ...lossy });
    sweep({ n: 4, seeds: 15, byzantine: '0:silent', loss: 0.05 });
  });

  it('a stabilization that stalls at one member and completes at another installs one view', () => {
    // Before Stable votes (membership/votes.ts), a member whose stabilization stalled went on to a
    // later proposal while another member had completed and installed the first: on each of these
    // seeds two correct members installed different views of one number.
    const cases: [number, string][] = [
      [1190, '0:bad-commit'],
      [1153, '0:bad-new-view'],
      [1268, '0:bad-new-view'],
      [1241, '0:mutant'],
      [1164, '0:impede-total-order'],
    ];
    for (const [seedStart, byzantine] of cases) {
      sweep({ n: 4, seeds: 1, seedStart, byzantine, loss: 0.1, partitions: true });
    }
  });

  it('a partition that gets correct members removed does not let each side install its own view', () => {
    // With a view of three (f = 0) left after the mutant went, partitions got every member
    // suspected; when a proposal keeping fewer than a quorum could be installed by its own
    // members' votes, each side of the partition installed a view of its own on these seeds.
    for (const seedStart of [1160, 2322]) {
      sweep({ n: 4, seeds: 1, seedStart, byzantine: '0:mutant', loss: 0.1, partitions: true });
    }
  });

  it('replayed and malformed frames change nothing', () => {
    sweep({ n: 4, seeds: 20, byzantine: '1:replay', guarantee: 'mixed', loss: 0.05 });
    sweep({ n: 4, seeds: 20, byzantine: '2:malformed', loss: 0.05 });
  });
});

describe('itua group worlds, n = 7', () => {
  it('fault-free over a lossy, partitioned network', () => {
    const r = sweep({ n: 7, seeds: 20, ...lossy });
    assert.ok(r.deliveries >= r.multicasts * 5);
  });

  it('a mutant and a member impeding the order at once: both excluded', () => {
    sweep({ n: 7, seeds: 20, byzantine: '2:mutant,5:impede-total-order', loss: 0.1, partitions: true });
  });

  it('seeds that once broke a view installation under partitions pass', () => {
    // Wider sweeps of this scenario (400 seeds) failed on these seeds before a Commit stopped
    // counting as a decision (a member took a Commit that removed it for its exclusion although
    // the proposal it was ready for could still be decided, and then stopped following the view):
    // 214 broke agreement (a correct member missed messages the others delivered), 61 and 355
    // never ended their installation.
    for (const seedStart of [61, 214, 355]) {
      sweep({
        n: 7,
        seeds: 1,
        seedStart,
        byzantine: '2:mutant,5:impede-total-order',
        loss: 0.1,
        partitions: true,
      });
    }
  });

  it('a mutant and a crash, with a mix of FIFO and total order', () => {
    sweep({ n: 7, seeds: 20, byzantine: '4:mutant', crashes: true, guarantee: 'mixed', loss: 0.05 });
  });

  it('a silent and a replaying member under FIFO', () => {
    sweep({ n: 7, seeds: 10, byzantine: '1:silent,6:replay', guarantee: 'fifo', loss: 0.1 });
  });
});

describe('itua group sweeps', () => {
  it('replay a seed exactly, and print the command that replays it', () => {
    const o: GroupSweepOptions = {
      n: 4,
      seeds: 1,
      seedStart: 9,
      byzantine: '1:mutant',
      ...lossy,
      guarantee: 'mixed',
    };
    const a = new GroupWorld(groupWorldConfig(o, 9)).run();
    const b = new GroupWorld(groupWorldConfig(o, 9)).run();
    const c = new GroupWorld(groupWorldConfig(o, 10)).run();
    assert.deepEqual(a.stats, b.stats);
    assert.equal(a.virtualMs, b.virtualMs);
    assert.notDeepEqual(a.stats, c.stats);
    assert.equal(
      groupReplayCommand(o, 9),
      'npx bulwark sim --protocol itua --n 4 --seeds 1 --seed-start 9 --byzantine "1:mutant" --loss 0.1 --duplicate 0.05 --partitions --guarantee mixed',
    );
  });

  it('refuse unknown faults and twins with a message that says why', () => {
    assert.throws(
      () => runGroupSweep({ n: 4, seeds: 1, seedStart: 1, byzantine: '1:bogus' }),
      /unknown behaviour 'bogus'/,
    );
    assert.throws(() => runGroupSweep({ n: 4, seeds: 1, seedStart: 1, byzantine: '1:twins' }), /twins/);
    assert.throws(
      () => runGroupSweep({ n: 4, seeds: 1, seedStart: 1, byzantine: '4:silent' }),
      /replicas are 0..3/,
    );
  });
});
