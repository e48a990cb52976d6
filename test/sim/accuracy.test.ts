// Proves the accuracy checker's rule on hand-made observations: a correct replica suspecting a
// correct one is a violation, suspicions of Byzantine replicas are not, and a replica that
// restarted with no state (which may vote twice in one view) is exempt.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracyChecker } from '../../src/sim/checkers/accuracy.js';

const ctx = (byzantine: number[], restarted: number[] = []) => ({
  now: 0,
  step: 0,
  isCorrect: (n: number) => !byzantine.includes(n),
  incarnation: (n: number) => (restarted.includes(n) ? 1 : 0),
});
const suspected = (by: number, node: number) =>
  ({ kind: 'suspected', by, node, code: 'EQUIVOCATION' }) as const;

describe('accuracy checker', () => {
  it('flags a correct replica suspecting a correct one', () => {
    assert.match(
      accuracyChecker().observe(suspected(1, 2), ctx([])) ?? '',
      /correct replica 1 suspected correct replica 2/,
    );
  });
  it('accepts suspicions of a Byzantine replica, and ignores those a Byzantine replica raises', () => {
    assert.equal(accuracyChecker().observe(suspected(1, 0), ctx([0])), undefined);
    assert.equal(accuracyChecker().observe(suspected(0, 1), ctx([0])), undefined);
  });
  it('exempts a replica restarted with no state', () => {
    assert.equal(accuracyChecker().observe(suspected(1, 2), ctx([], [2])), undefined);
  });
});
