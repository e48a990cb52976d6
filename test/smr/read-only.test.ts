// Proves the read-only path: a client accepts a read on 2f+1 matching read-only replies without
// ordering, falls back to ordering the same request when replies mismatch or time out, and never
// mixes read-only and ordered replies; a replica answers a read-only request at once from its state,
// without ordering it or touching its reply cache, and not while it is fetching state. It drives the
// pure client core with a recording Env and replica nodes through the in-memory test cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Env, TimerKey } from '../../src/core/env.js';
import { CLIENT_ID_MIN } from '../../src/core/ids.js';
import { byzantineQuorum, crashQuorum, sequencerQuorum } from '../../src/core/quorum.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { ClientCore } from '../../src/smr/client-core.js';
import type { Wire } from '../../src/smr/messages.js';
import type { Observation } from '../../src/smr/observations.js';
import { readQuorumOf } from '../../src/smr/read-only.js';
import { batch, clientAuth, Cluster, op } from './harness.js';

function client(readQuorum: number | undefined) {
  const sent: { to: number; msg: Wire<unknown> }[] = [];
  const timers = new Map<string, TimerKey>();
  const seen: Observation[] = [];
  const env: Env<Wire<unknown>, TimerKey, Observation> = {
    self: CLIENT_ID_MIN,
    crypto: NoneKeyring.fromSeed(1, [0, 1, 2, 3, CLIENT_ID_MIN]).suiteFor(CLIENT_ID_MIN),
    log: { log() {} },
    send: (to, msg) => sent.push({ to, msg }),
    broadcast: () => assert.fail('clients do not broadcast'),
    setTimer: (_after, t) => timers.set(t.kind, t),
    cancelTimer: (t) => timers.delete(t.kind),
    now: () => 0,
    random: () => new SeededRng(1),
    deliver: (o) => seen.push(o),
    suspect: () => {},
  };
  const core = new ClientCore(env, {
    replicas: [0, 1, 2, 3],
    replyQuorum: 2,
    readQuorum,
    retryMs: 100,
    retryMsMax: 1000,
    retriesMax: 2,
    windowMax: 4,
    firstRequestId: 1,
  });
  const completed = () => seen.filter((o) => o.kind === 'completed');
  return { core, sent, timers, seen, completed };
}

const reply = (requestId: number, result: number, readOnly: boolean): Wire<unknown> => ({
  kind: 'reply',
  requestId,
  readOnly,
  leaderHint: 0,
  result: Uint8Array.of(result),
});

describe('read-only requests at the client', () => {
  it('accepts 2f+1 matching read-only replies without ordering', () => {
    const h = client(3);
    const id = h.core.invoke(Uint8Array.of(1), true) as number;
    assert.deepEqual(
      h.sent.map((s) => [s.to, s.msg.kind === 'request' && s.msg.readOnly]),
      [
        [0, true],
        [1, true],
        [2, true],
        [3, true],
      ],
      'sent to every replica, flagged read-only',
    );
    h.core.onMessage(0, reply(id, 7, true));
    h.core.onMessage(1, reply(id, 7, false));
    h.core.onMessage(2, reply(id, 7, true));
    assert.equal(h.completed().length, 0, 'two read-only replies and an ordered one are not a read quorum');
    h.core.onMessage(3, reply(id, 7, true));
    const done = h.completed()[0];
    assert.ok(done?.kind === 'completed' && done.result[0] === 7 && done.readOnly === true);
    assert.equal(h.sent.length, 4, 'nothing was ordered');
    assert.equal(h.timers.size, 0, 'no timer left behind');
  });

  it('falls back to ordering the same request once the replies cannot agree', () => {
    const h = client(3);
    const id = h.core.invoke(Uint8Array.of(1), true) as number;
    h.core.onMessage(0, reply(id, 7, true));
    h.core.onMessage(1, reply(id, 8, true));
    assert.equal(h.sent.length, 4, 'still waiting: two more replies could make 7 a quorum');
    h.core.onMessage(2, reply(id, 9, true));
    const ordered = h.sent[4];
    assert.ok(ordered?.msg.kind === 'request' && !ordered.msg.readOnly && ordered.msg.requestId === id);
    assert.equal(ordered.to, 0, 'to the leader');
    h.core.onMessage(3, reply(id, 7, true));
    h.core.onMessage(0, reply(id, 7, true));
    assert.equal(h.completed().length, 0, 'late read-only replies do not count any more');
    h.core.onMessage(0, reply(id, 10, false));
    h.core.onMessage(2, reply(id, 10, false));
    assert.equal(h.completed().length, 0, 'with unordered reads on, an ordered result needs 2f+1 replies');
    h.core.onMessage(3, reply(id, 10, false));
    const done = h.completed()[0];
    assert.ok(done?.kind === 'completed' && done.result[0] === 10 && done.readOnly === undefined);
  });

  it('falls back to ordering when the read quorum does not come in time', () => {
    const h = client(3);
    const id = h.core.invoke(Uint8Array.of(1), true) as number;
    h.core.onMessage(0, reply(id, 7, true));
    h.core.onMessage(1, reply(id, 7, true));
    h.core.onTimer(h.timers.get('read') as TimerKey);
    const ordered = h.sent[4];
    assert.ok(ordered?.msg.kind === 'request' && !ordered.msg.readOnly && ordered.msg.requestId === id);
    assert.ok(h.timers.has('retry'), 'the ordered request has its retransmission timer');
  });

  it('orders read-only operations when it has no read quorum', () => {
    const h = client(undefined);
    h.core.invoke(Uint8Array.of(1), true);
    assert.deepEqual(
      h.sent.map((s) => [s.to, s.msg.kind === 'request' && s.msg.readOnly]),
      [[0, false]],
    );
  });

  it('uses 2f+1 under Byzantine faults and every replica where one reply settles a write', () => {
    assert.equal(readQuorumOf(byzantineQuorum(1), 4), 3);
    assert.equal(readQuorumOf(byzantineQuorum(2), 7), 5);
    assert.equal(readQuorumOf(sequencerQuorum(), 1), 1);
    assert.equal(readQuorumOf(crashQuorum(1), 3), 3);
  });
});

describe('read-only requests at a replica', () => {
  const request = (requestId: number, key: number, readOnly: boolean): Wire<never> => {
    const core = { client: CLIENT_ID_MIN, requestId, lowWater: 0, readOnly, op: op(key) };
    return { kind: 'request', ...core, auth: clientAuth(4, core) };
  };

  it('answers at once from its state, neither ordering nor caching', () => {
    const c = new Cluster(4);
    c.deliver(
      [0],
      batch(1, [3, 4], 0, () => 3),
    );
    const node = c.nodes.get(0);
    assert.ok(node);
    node.onMessage(CLIENT_ID_MIN, request(9, 3, true));
    const r = c.toClients.at(-1)?.m;
    assert.ok(r?.kind === 'reply' && r.readOnly && r.requestId === 9);
    assert.deepEqual([...r.result], [0, 0, 0, 2], 'key 3 holds 2');
    assert.deepEqual(c.protocol(0).submitted, [], 'not ordered');
    assert.equal(node.executor.cache.lookup(CLIENT_ID_MIN, 9).state, 'new', 'not cached');
    node.onMessage(CLIENT_ID_MIN, request(9, 3, false));
    assert.deepEqual(c.protocol(0).submitted, [9], 'the same id ordered, as a client falls back');
  });

  it('drops a request, read-only or not, whose client MAC for this replica does not verify', () => {
    const c = new Cluster(4);
    const node = c.nodes.get(1);
    assert.ok(node);
    for (const readOnly of [true, false]) {
      const good = request(7, 3, readOnly);
      assert.ok(good.kind === 'request');
      // Entry 1 (this replica's) replaced by replica 0's MAC: valid for 0, not for 1.
      const swapped = {
        ...good,
        auth: good.auth.map((t, i) => (i === 1 ? (good.auth[0] as Uint8Array) : t)),
      };
      const before = c.toClients.length;
      node.onMessage(CLIENT_ID_MIN, swapped);
      node.onMessage(CLIENT_ID_MIN, { ...good, auth: [] });
      assert.equal(c.toClients.length, before, 'no read-only answer');
      assert.deepEqual(c.protocol(1).submitted, [], 'not ordered');
    }
    node.onMessage(CLIENT_ID_MIN, request(7, 3, false));
    assert.deepEqual(c.protocol(1).submitted, [7], 'the authentic request is ordered');
  });

  it('does not answer while it fetches state', () => {
    const c = new Cluster(4);
    c.deliver([3], { kind: 'state-needed', seq: 4, digest: new Uint8Array(32), sources: [0, 1, 2] });
    const before = c.toClients.length;
    c.nodes.get(3)?.onMessage(CLIENT_ID_MIN, request(1, 3, true));
    assert.equal(c.toClients.length, before);
  });
});
