// Proves the ITUA membership layer excludes every injected fault of seed 003 while the group's
// properties hold: each fault type alone (n = 4), each paired with a crash that starts the view
// installation it strikes in (n = 7, the paper's double faults), and triple faults (n = 10, with a
// second and third fault striking during the installation), over fixed seeds. Every run must pass
// every checker (reliable multicast, total order, membership agreement, self-inclusion, integrity,
// validity, view synchrony, liveness with every faulty member excluded) and complete before its
// deadline; installations that met a Table III fault must have gone through a transitional view.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runGroupSweep, type GroupSweepOptions } from '../../src/sim/group/run.js';

function sweep(o: Omit<GroupSweepOptions, 'seedStart'>) {
  const report = runGroupSweep({ seedStart: 100, ...o });
  assert.equal(report.failed, 0, JSON.stringify(report.violations.slice(0, 3), null, 1));
  assert.equal(report.completed, report.runs, 'every run reached every expected outcome before its deadline');
  return report;
}

const FAULTS = [
  'crash',
  'mutant',
  'impede-total-order',
  'bad-new-view',
  'new-view-timeout',
  'bad-commit',
  'commit-timeout',
  'ready-to-switch-timeout',
  'impede-stabilization',
  'silent',
  'replay',
  'malformed',
] as const;

/** Faults that disturb an installation: the view they strike in is transitional. */
const TABLE_III = new Set<string>([
  'bad-new-view',
  'new-view-timeout',
  'bad-commit',
  'commit-timeout',
  'ready-to-switch-timeout',
  'impede-stabilization',
]);

describe('itua membership: single faults (n = 4)', () => {
  for (const fault of FAULTS) {
    it(`${fault}: the member is excluded where its fault shows, and the group goes on`, () => {
      const r = sweep({ n: 4, seeds: 3, byzantine: `1:${fault}` });
      if (fault !== 'replay' && fault !== 'malformed') assert.ok(r.installations.count >= r.runs);
      if (TABLE_III.has(fault))
        assert.ok(r.installations.transitional >= r.runs, 'a transitional view each run');
    });
  }
});

describe('itua membership: double faults (n = 7), a crash and a second fault', () => {
  for (const fault of FAULTS) {
    it(`crash + ${fault}`, () => {
      sweep({ n: 7, seeds: 2, byzantine: `3:crash,5:${fault}` });
    });
  }
});

describe('itua membership: triple faults (n = 10)', () => {
  it('a mutant, then a bad New-View and a Commit timeout from the leader and its deputy', () => {
    const r = sweep({ n: 10, seeds: 3, byzantine: '2:mutant,5:bad-new-view,8:commit-timeout' });
    assert.ok(r.installations.transitional >= r.runs);
  });

  it('a crash, a Ready-to-Switch timeout and an impeded stabilization', () => {
    sweep({ n: 10, seeds: 2, byzantine: '1:crash,4:ready-to-switch-timeout,7:impede-stabilization' });
  });

  it('a member impeding the order, a New-View timeout and a bad Commit', () => {
    sweep({ n: 10, seeds: 2, byzantine: '0:impede-total-order,3:new-view-timeout,6:bad-commit' });
  });
});
