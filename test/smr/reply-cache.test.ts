// Proves the reply cache gives exactly-once execution with many requests in flight per client:
// out-of-order arrival executes each id once, low-water marks bound memory, and a client far
// beyond its window executes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyCache } from '../../src/smr/reply-cache.js';

const r = (n: number) => Uint8Array.of(n);

describe('ReplyCache', () => {
  it('executes pipelined requests once each, in whatever order they are ordered', () => {
    const c = new ReplyCache(16);
    assert.equal(c.admit(1000, 3, 0), true);
    c.record(1000, 3, r(3));
    assert.equal(c.admit(1000, 1, 0), true, 'an older id ordered later must still execute');
    c.record(1000, 1, r(1));
    assert.equal(c.admit(1000, 3, 0), false, 'a duplicate must not execute');
    assert.deepEqual(c.lookup(1000, 3), { state: 'done', result: r(3) });
    assert.deepEqual(c.lookup(1000, 2), { state: 'new' });
  });

  it('forgets results at or below the low-water mark the client reports', () => {
    const c = new ReplyCache(16);
    for (let id = 1; id <= 5; id++) {
      c.admit(1000, id, 0);
      c.record(1000, id, r(id));
    }
    assert.equal(c.size(), 5);
    assert.equal(c.admit(1000, 6, 4), true);
    c.record(1000, 6, r(6));
    assert.equal(c.size(), 2, 'ids 1..4 are settled and dropped');
    assert.deepEqual(c.lookup(1000, 2), { state: 'done', result: undefined });
    assert.equal(c.admit(1000, 2, 4), false, 'a settled id never executes again');
  });

  it('refuses ids beyond the window', () => {
    const c = new ReplyCache(8);
    c.admit(1000, 1, 0);
    assert.equal(c.admit(1000, 100, 0), false);
    assert.deepEqual(c.lookup(1000, 100), { state: 'beyond' });
  });

  it('accepts a restarted client that jumps to a fresh id base', () => {
    const c = new ReplyCache(8);
    c.admit(1000, 1, 0);
    assert.equal(c.admit(1000, 5_000_001, 5_000_000), true);
  });
});

describe('ReplyCache with unordered reads', () => {
  it('lets a client whose ids ran ahead on unordered reads be ordered again (regression)', () => {
    const c = new ReplyCache(8);
    assert.equal(c.admit(1000, 1, 0), true);
    // Ids 2..100 went to reads that were never ordered; the client has settled all of them.
    assert.deepEqual(c.lookup(1000, 101, 100), { state: 'new' });
    assert.deepEqual(
      c.lookup(1000, 101),
      { state: 'beyond' },
      'without the client low-water mark it would be refused',
    );
    assert.equal(c.admit(1000, 101, 100), true);
  });
});
