// Proves PBFT's catch-up within the watermarks at n = 4: a replica that missed every message of
// some batches fetches them once it notices the gap and executes them in order; a lone "decided"
// claim (which a Byzantine replica could make up) decides nothing, f+1 matching ones do; and the
// primary resends a pre-prepare that no backup received. A hand-driven cluster of recording Envs
// (pbft-harness.ts) drops and delivers the messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticate, batchDigest } from '../../src/protocols/pbft/certificates.js';
import type { Decided } from '../../src/protocols/pbft/messages.js';
import { Cluster, request } from './pbft-harness.js';

describe('pbft catch-up', () => {
  it('fetches the batches a replica missed and executes them in order', () => {
    const c = new Cluster({ n: 4, tuning: { batchMax: 1 } });
    c.start();
    c.isolated.add(3);
    for (let i = 1; i <= 3; i++) c.replicas[0]?.submit(request(1000, i));
    c.advance(10);
    assert.equal(c.batches(3).length, 0);
    c.isolated.delete(3);
    // Replica 3 learns from a new batch (or from statuses) that it is behind, and asks.
    c.replicas[0]?.submit(request(1000, 4));
    c.advance(500);
    assert.deepEqual(
      c.batches(3).map((b) => b.keys[0]),
      ['1000:1', '1000:2', '1000:3', '1000:4'],
    );
  });

  it('decides on f+1 matching decided-claims, not on one', () => {
    const c = new Cluster({ n: 4 });
    const requests = [request(1000, 1)];
    const claim = (from: number): Decided => {
      const crypto = c.keyring.suiteFor(from);
      const digest = batchDigest(crypto, requests);
      const body = { kind: 'decided', seq: 1, digest } as const;
      return { ...body, requests, auth: authenticate(crypto, c.ids, from, body, 3) };
    };
    c.replicas[3]?.onMessage(1, claim(1));
    assert.equal(c.batches(3).length, 0, 'one claim may be a lie');
    c.replicas[3]?.onMessage(1, claim(1));
    assert.equal(c.batches(3).length, 0, 'the same replica twice is still one');
    c.replicas[3]?.onMessage(2, claim(2));
    assert.deepEqual(c.batches(3), [{ seq: 1, keys: ['1000:1'] }]);
  });

  it('has the primary resend a pre-prepare that no backup received', () => {
    const c = new Cluster({ n: 4 });
    c.start();
    c.replicas[0]?.submit(request(1000, 1));
    c.advance(0, (s) => s.msg.kind !== 'prePrepare');
    assert.equal(c.batches(0).length, 0);
    c.advance(200);
    for (const id of c.ids) assert.deepEqual(c.batches(id), [{ seq: 1, keys: ['1000:1'] }], `replica ${id}`);
  });
});
