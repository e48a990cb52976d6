// Proves that the ordered-reply quorum the client derives keeps unordered reads linearizable: by
// exhaustive enumeration at small n, any write quorum of that size and any read quorum share a
// correct replica whatever the f liars do, and one reply fewer would let a stale read through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byzantineQuorum } from '../../src/core/quorum.js';
import { orderedQuorumFor } from '../../src/smr/client-core.js';

/** Whether some choice of liars, write repliers and read repliers has no correct replica in common. */
function staleReadPossible(n: number, f: number, w: number, r: number): boolean {
  const popcount = (x: number) => x.toString(2).split('1').length - 1;
  for (let liars = 0; liars < 1 << n; liars++) {
    if (popcount(liars) !== f) continue;
    for (let write = 0; write < 1 << n; write++) {
      if (popcount(write) !== w) continue;
      // Correct replicas that executed the write; liars may claim anything in either quorum.
      const executed = write & ~liars;
      for (let read = 0; read < 1 << n; read++) {
        if (popcount(read) === r && (read & executed & ~liars) === 0) return true;
      }
    }
  }
  return false;
}

describe('ordered quorum with unordered reads', () => {
  for (const f of [1, 2]) {
    const q = byzantineQuorum(f);
    const replicas = Array.from({ length: q.n }, (_, i) => i);
    const w = orderedQuorumFor({ replicas, replyQuorum: q.replyQuorum, readQuorum: q.quorum });
    it(`n=${q.n}: writes need ${2 * f + 1} matching replies when reads take ${q.quorum}`, () => {
      assert.equal(w, 2 * f + 1);
      assert.equal(staleReadPossible(q.n, f, w, q.quorum), false);
      assert.equal(staleReadPossible(q.n, f, w - 1, q.quorum), true, 'one reply fewer admits a stale read');
    });
  }

  it('keeps f+1 when reads are ordered too', () => {
    assert.equal(orderedQuorumFor({ replicas: [0, 1, 2, 3], replyQuorum: 2 }), 2);
  });
});
