// Proves PBFT's acceptance rule for client authenticators (OSDI §4.1): a backup prepares a
// pre-prepare only if every request in it carries the client's valid MAC for this backup; one
// with a request whose MAC fails here is ignored, blames nobody, and leaves the batch's authentic
// requests waiting under the request timer, so a primary that persists is replaced by a view
// change; the primary orders a relayed request only if its own entry verifies. A hand-driven
// cluster of recording Envs (pbft-harness.ts) delivers the messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientRequest } from '../../src/core/env.js';
import { authenticate, batchDigest } from '../../src/protocols/pbft/certificates.js';
import type { PrePrepare } from '../../src/protocols/pbft/messages.js';
import { Cluster, request } from './pbft-harness.js';

/** The primary's (replica 0's) properly authenticated pre-prepare of `requests` at seq 1. */
function prePrepare(c: Cluster, requests: ClientRequest[]): PrePrepare {
  const crypto = c.keyring.suiteFor(0);
  const body = { kind: 'prePrepare', view: 0, seq: 1, digest: batchDigest(crypto, requests) } as const;
  return { ...body, requests, auth: authenticate(crypto, c.ids, 0, body) };
}

/** The request with entry `index` of its authenticator replaced by another replica's entry. */
function badFor(r: ClientRequest, index: number): ClientRequest {
  return { ...r, auth: r.auth.map((t, i) => (i === index ? (r.auth[(i + 1) % 4] as Uint8Array) : t)) };
}

describe('pbft client authenticators', () => {
  it('ignores a pre-prepare carrying a request whose MAC fails for this backup, and blames nobody', () => {
    const c = new Cluster({ n: 4 });
    const pp = prePrepare(c, [request(1000, 1), badFor(request(1001, 1), 1)]);
    c.replicas[1]?.onMessage(0, pp);
    assert.deepEqual(c.suspects, [], 'a forging primary and a faulty client look the same: no proof');
    assert.equal(c.replicas[1]?.state.log.get(1)?.ppHex, undefined, 'not accepted');
    assert.equal(c.sentBy(1, 'prepare').length, 0, 'not prepared');
    assert.equal(c.replicas[1]?.state.active, true, 'no view change yet');
    // The authentic request waits under the request timer: a primary that persists is replaced.
    assert.ok(c.replicas[1]?.state.requests.has('1000:1'));
    assert.ok(!c.replicas[1]?.state.requests.has('1001:1'));
    assert.ok(c.armed(1, 'request') !== undefined, 'the request timer runs');
    c.advance(2_000, () => false);
    assert.equal(c.replicas[1]?.state.active, false, 'the request timer started a view change');
    assert.equal(c.replicas[1]?.state.view, 1);
  });

  it('accepts and prepares a pre-prepare whose requests all carry good MACs for this backup', () => {
    const c = new Cluster({ n: 4 });
    // A MAC that fails for another replica does not matter here: each checks its own entry.
    c.replicas[1]?.onMessage(0, prePrepare(c, [request(1000, 1), badFor(request(1001, 1), 2)]));
    assert.deepEqual(c.suspects, []);
    assert.ok(c.replicas[1]?.state.log.get(1)?.ppHex !== undefined, 'accepted');
    assert.equal(c.sentBy(1, 'prepare').length, 3, 'prepare multicast');
  });

  it('a primary that forges a request gets no backup to prepare it, and is replaced', () => {
    const c = new Cluster({ n: 4 });
    const forged = { ...request(1001, 99), auth: request(1001, 98).auth };
    const pp = prePrepare(c, [request(1000, 1), forged]);
    for (const id of [1, 2, 3]) c.replicas[id]?.onMessage(0, pp);
    c.run();
    for (const id of c.ids) assert.deepEqual(c.batches(id), [], `replica ${id} executed nothing`);
    c.advance(2_000);
    for (const id of [1, 2, 3]) assert.equal(c.replicas[id]?.state.view, 1, `replica ${id} moved on`);
    for (const id of [1, 2, 3])
      assert.deepEqual(
        c.batches(id).flatMap((b) => b.keys),
        ['1000:1'],
        `replica ${id}: the authentic request executes in the new view, the forged one never`,
      );
    assert.deepEqual(c.suspects, []);
  });

  it('the primary drops a relayed request whose MAC for it fails, blaming no relayer', () => {
    const c = new Cluster({ n: 4 });
    const bad = badFor(request(1000, 1), 0);
    for (const id of [1, 2, 3]) c.replicas[0]?.onMessage(id, { kind: 'request', request: bad });
    c.advance(0);
    assert.equal(c.sentBy(0, 'prePrepare').length, 0, 'never proposed');
    assert.deepEqual(c.suspects, []);
    for (const id of [1, 2]) c.replicas[0]?.onMessage(id, { kind: 'request', request: request(1000, 1) });
    c.advance(0);
    for (const id of c.ids) assert.deepEqual(c.batches(id), [{ seq: 1, keys: ['1000:1'] }], `replica ${id}`);
  });
});
