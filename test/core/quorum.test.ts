// Proves the quorum arithmetic of src/core/quorum.ts against a naive version: for small n and f it enumerates
// every pair of quorums as bitmasks and checks that they intersect as the fault model needs, that a quorum is
// still reachable with f replicas silent, and that no smaller quorum would do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  byzantineQuorum,
  byzantineQuorumFor,
  crashQuorum,
  fabQuorum,
  maxFaults,
  proactiveQuorum,
  sequencerQuorum,
} from '../../src/core/quorum.js';

const F_MAX = 3;
const N_MAX = 12;

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}

/** Every subset of {0..n-1} with exactly q members, as bitmasks. */
function subsets(n: number, q: number): number[] {
  const out: number[] = [];
  for (let mask = 0; mask < 1 << n; mask++) if (popcount(mask) === q) out.push(mask);
  return out;
}

/** The smallest overlap of any two q-subsets of n replicas, found by trying every pair. */
function minOverlap(n: number, q: number): number {
  const all = subsets(n, q);
  let min = Infinity;
  for (const a of all) for (const b of all) min = Math.min(min, popcount(a & b));
  return min;
}

/** The smallest quorum size whose quorums all pairwise share at least `overlap` replicas. */
function naiveSmallestQuorum(n: number, overlap: number): number | undefined {
  for (let q = 1; q <= n; q++) if (minOverlap(n, q) >= overlap) return q;
  return undefined;
}

describe('quorum arithmetic against a naive enumeration', () => {
  it('crash: 2f+1 replicas, any two quorums intersect, f silent replicas leave a quorum', () => {
    for (let f = 0; f <= F_MAX + 1; f++) {
      const s = crashQuorum(f);
      assert.equal(s.n, 2 * f + 1);
      assert.ok(minOverlap(s.n, s.quorum) >= 1, `f=${f}`);
      assert.ok(s.quorum <= s.n - s.f, `f=${f}: no quorum without the faulty`);
      assert.equal(s.quorum, naiveSmallestQuorum(s.n, 1), `f=${f}: not the smallest quorum`);
      assert.equal(s.replyQuorum, 1);
    }
  });

  it('byzantine: 3f+1 replicas, any two quorums share f+1 (so one correct), f silent leave a quorum', () => {
    for (let f = 0; f <= F_MAX; f++) {
      const s = byzantineQuorum(f);
      assert.equal(s.n, 3 * f + 1);
      assert.ok(minOverlap(s.n, s.quorum) >= f + 1, `f=${f}`);
      assert.ok(s.quorum <= s.n - s.f, `f=${f}`);
      assert.equal(s.quorum, naiveSmallestQuorum(s.n, f + 1), `f=${f}: not the smallest quorum`);
      // f+1 matching replies include one from a correct replica.
      assert.equal(s.replyQuorum, f + 1);
    }
  });

  it('byzantineQuorumFor: for every n and every f with n >= 3f+1, the smallest safe quorum, and still live', () => {
    for (let n = 1; n <= N_MAX; n++) {
      for (let f = 0; 3 * f + 1 <= n; f++) {
        const q = byzantineQuorumFor(n, f);
        assert.ok(minOverlap(n, q) >= f + 1, `n=${n} f=${f}`);
        assert.ok(q <= n - f, `n=${n} f=${f}: no quorum without the faulty`);
        assert.equal(q, naiveSmallestQuorum(n, f + 1), `n=${n} f=${f}`);
      }
    }
  });

  it('fab: 5f+1 acceptors, quorums share 3f+1 (a correct majority of 2f+1 survives f liars), f silent leave a quorum', () => {
    for (let f = 0; f <= 2; f++) {
      const s = fabQuorum(f);
      assert.equal(s.n, 5 * f + 1);
      assert.ok(minOverlap(s.n, s.quorum) >= 3 * f + 1, `f=${f}`);
      assert.ok(s.quorum <= s.n - s.f, `f=${f}`);
      assert.equal(s.quorum, naiveSmallestQuorum(s.n, 3 * f + 1), `f=${f}`);
    }
  });

  it("proactive: 3k'+2k+1 replicas, quorums share k'+1 and are reachable with k recovering and k' silent", () => {
    for (let kb = 0; kb <= 2; kb++) {
      for (let kr = 0; kr <= 2; kr++) {
        const s = proactiveQuorum(kb, kr);
        const where = `k'=${kb} k=${kr}`;
        assert.equal(s.n, 3 * kb + 2 * kr + 1, where);
        assert.ok(minOverlap(s.n, s.quorum) >= kb + 1, where);
        assert.ok(s.quorum <= s.n - kr - kb, `${where}: no quorum while k recover and k' are silent`);
        assert.equal(s.quorum, naiveSmallestQuorum(s.n, kb + 1), where);
        assert.equal(s.replyQuorum, kb + 1, where);
      }
    }
    // DESIGN.md §4: six replicas for k = k' = 1.
    assert.equal(proactiveQuorum(1, 1).n, 6);
  });

  it('maxFaults is the largest f whose replica count fits in n', () => {
    const needed = {
      none: () => 1,
      crash: (f: number) => 2 * f + 1,
      byzantine: (f: number) => 3 * f + 1,
      fab: (f: number) => 5 * f + 1,
    };
    for (const [model, replicas] of Object.entries(needed)) {
      for (let n = 1; n <= 20; n++) {
        let naive = 0;
        if (model !== 'none') while (replicas(naive + 1) <= n) naive++;
        assert.equal(maxFaults(model as keyof typeof needed, n), naive, `${model} n=${n}`);
      }
    }
  });

  it('the sequencer is one node that tolerates nothing', () => {
    assert.deepEqual(sequencerQuorum(), { model: 'none', n: 1, f: 0, quorum: 1, replyQuorum: 1 });
  });

  it('refuses fault counts and replica counts that are not non-negative integers', () => {
    for (const bad of [-1, 0.5, Number.NaN]) {
      assert.throws(() => crashQuorum(bad));
      assert.throws(() => byzantineQuorum(bad));
      assert.throws(() => fabQuorum(bad));
      assert.throws(() => proactiveQuorum(bad, 0));
      assert.throws(() => proactiveQuorum(0, bad));
    }
    assert.throws(() => maxFaults('byzantine', 0));
  });
});
