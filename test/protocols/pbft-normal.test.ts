// Proves PBFT's normal case at n = 4 in isolation: a request is ordered by pre-prepare, 2f
// prepares and 2f+1 commits (with one replica silent, not with two), batched and pipelined, and
// relayed requests are ordered only on f+1 copies; and that wrong-view, out-of-watermark, bad-MAC
// and bad-digest messages are refused, the last ones replacing the primary. A hand-driven cluster
// of recording Envs (pbft-harness.ts) delivers, drops and forges messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticate, batchDigest } from '../../src/protocols/pbft/certificates.js';
import type { PrePrepare, Prepare } from '../../src/protocols/pbft/messages.js';
import { Cluster, request } from './pbft-harness.js';

describe('pbft normal case', () => {
  it('orders a request on pre-prepare, 2f prepares and 2f+1 commits, and every replica executes it', () => {
    const c = new Cluster({ n: 4 });
    c.start();
    c.run();
    c.replicas[0]?.submit(request(1000, 1));
    c.advance(0);
    for (const id of c.ids) assert.deepEqual(c.batches(id), [{ seq: 1, keys: ['1000:1'] }], `replica ${id}`);
    assert.deepEqual(c.suspects, []);
  });

  it('commits with one replica silent (2f+1 = 3) but not with two', () => {
    const one = new Cluster({ n: 4 });
    one.isolated.add(3);
    one.replicas[0]?.submit(request(1000, 1));
    one.advance(0);
    for (const id of [0, 1, 2]) assert.equal(one.batches(id).length, 1, `replica ${id}`);
    const two = new Cluster({ n: 4 });
    two.isolated.add(2);
    two.isolated.add(3);
    two.replicas[0]?.submit(request(1000, 1));
    two.advance(0);
    for (const id of [0, 1]) assert.equal(two.batches(id).length, 0, 'no quorum, no commit');
  });

  it('cuts batches within the bounds and keeps at most pipelineMax batches in flight', () => {
    const c = new Cluster({ n: 4, tuning: { batchMax: 3, pipelineMax: 2 } });
    for (let i = 1; i <= 10; i++) c.replicas[0]?.submit(request(1000, i));
    c.advance(0, (s) => s.msg.kind === 'prePrepare' || s.msg.kind === 'prepare');
    const seqs = c.replicas.map((r) => r.state.log.get(1)?.batches.size);
    assert.deepEqual(seqs, [1, 1, 1, 1]);
    assert.equal(c.replicas[0]?.state.nextSeq, 3, 'two batches in flight, the third waits for an execution');
    // Now let commits through: the pipeline drains and the rest is ordered.
    c.queue.length = 0;
    c.advance(1_000);
    const keys = c.batches(1).flatMap((b) => b.keys);
    assert.deepEqual(
      keys,
      Array.from({ length: 10 }, (_, i) => `1000:${i + 1}`),
    );
    assert.ok(c.batches(1).every((b) => b.keys.length <= 3));
  });

  it('relays a request from a backup to the primary, which orders it only on f+1 matching copies', () => {
    const c = new Cluster({ n: 4 });
    c.replicas[1]?.submit(request(1000, 1));
    c.run();
    assert.equal(c.batches(0).length, 0, 'one relayed copy is not enough: it may be a forgery');
    c.replicas[2]?.submit(request(1000, 1));
    c.advance(0);
    assert.deepEqual(c.batches(0), [{ seq: 1, keys: ['1000:1'] }]);
  });
});

describe('pbft message checks', () => {
  function prepared(c: Cluster) {
    c.replicas[0]?.submit(request(1000, 1));
    c.advance(0);
    return c.replicas[1]?.state;
  }

  it('ignores messages of another view and beyond the high watermark, without blaming anyone', () => {
    const c = new Cluster({ n: 4, tuning: { checkpointInterval: 4, logSize: 8 } });
    prepared(c);
    const crypto = c.keyring.suiteFor(2);
    const vote = (view: number, seq: number): Prepare => {
      const body = { kind: 'prepare', view, seq, digest: new Uint8Array(32) } as const;
      return { ...body, auth: authenticate(crypto, c.ids, 2, body) };
    };
    c.replicas[1]?.onMessage(2, vote(5, 2));
    c.replicas[1]?.onMessage(2, vote(0, 9));
    assert.equal(c.replicas[1]?.state.log.get(2), undefined);
    assert.equal(c.replicas[1]?.state.log.get(9), undefined);
    assert.deepEqual(c.suspects, []);
  });

  it('rejects a prepare whose MAC is not the sender’s, and reports the sender', () => {
    const c = new Cluster({ n: 4 });
    prepared(c);
    const body = { kind: 'prepare', view: 0, seq: 2, digest: new Uint8Array(32) } as const;
    // Replica 3 signs with its own keys but claims to be 2: the MAC for replica 1 does not verify.
    const forged: Prepare = { ...body, auth: authenticate(c.keyring.suiteFor(3), c.ids, 3, body) };
    c.replicas[1]?.onMessage(2, forged);
    assert.deepEqual(c.suspects, [{ by: 1, node: 2, code: 'BAD_MAC' }]);
    assert.equal(c.replicas[1]?.state.log.get(2)?.prepares.size ?? 0, 0);
  });

  it('replaces a primary that sends a pre-prepare whose digest does not name its batch', () => {
    const c = new Cluster({ n: 4 });
    const crypto = c.keyring.suiteFor(0);
    const requests = [request(1000, 1)];
    const digest = batchDigest(crypto, [request(1000, 2)]);
    const body = { kind: 'prePrepare', view: 0, seq: 1, digest } as const;
    const pp: PrePrepare = { ...body, requests, auth: authenticate(crypto, c.ids, 0, body) };
    c.replicas[1]?.onMessage(0, pp);
    assert.deepEqual(c.suspects, [{ by: 1, node: 0, code: 'BAD_DIGEST' }]);
    assert.equal(c.replicas[1]?.state.active, false, 'a proven-faulty primary is replaced at once');
    assert.equal(c.sentBy(1, 'viewChange').length, 3);
  });

  it('blames a replica that relays a pre-prepare with another batch, not the primary', () => {
    const c = new Cluster({ n: 4 });
    const crypto = c.keyring.suiteFor(0);
    const digest = batchDigest(crypto, [request(1000, 1)]);
    const body = { kind: 'prePrepare', view: 0, seq: 1, digest } as const;
    const pp: PrePrepare = {
      ...body,
      requests: [request(1000, 2)],
      auth: authenticate(crypto, c.ids, 0, body),
    };
    c.replicas[1]?.onMessage(2, pp);
    assert.deepEqual(c.suspects, [{ by: 1, node: 2, code: 'BAD_DIGEST' }]);
    assert.equal(c.replicas[1]?.state.active, true);
  });

  it('blames nobody for a relayed pre-prepare whose MAC fails (the relayer could not check it)', () => {
    const c = new Cluster({ n: 4 });
    const crypto = c.keyring.suiteFor(0);
    const requests = [request(1000, 1)];
    const body = { kind: 'prePrepare', view: 0, seq: 1, digest: batchDigest(crypto, requests) } as const;
    const auth = authenticate(crypto, c.ids, 0, body);
    auth[1] = new Uint8Array(32);
    c.replicas[1]?.onMessage(2, { ...body, requests, auth });
    assert.deepEqual(c.suspects, []);
    assert.equal(c.replicas[1]?.state.log.get(1)?.ppHex, undefined);
    c.replicas[1]?.onMessage(0, { ...body, requests, auth });
    assert.deepEqual(
      c.suspects,
      [{ by: 1, node: 0, code: 'BAD_MAC' }],
      'straight from the primary, it is the primary',
    );
  });

  it('replaces a primary that authenticated two batches for one sequence number', () => {
    const c = new Cluster({ n: 4 });
    const crypto = c.keyring.suiteFor(0);
    const pp = (id: number): PrePrepare => {
      const requests = [request(1000, id)];
      const body = { kind: 'prePrepare', view: 0, seq: 1, digest: batchDigest(crypto, requests) } as const;
      return { ...body, requests, auth: authenticate(crypto, c.ids, 0, body) };
    };
    c.replicas[1]?.onMessage(0, pp(1));
    c.replicas[1]?.onMessage(0, pp(2));
    assert.deepEqual(c.suspects, [{ by: 1, node: 0, code: 'EQUIVOCATION' }]);
    assert.equal(c.replicas[1]?.state.view, 1);
  });
});
