// Proves the client core accepts a result only on replyQuorum matching replies from distinct
// replicas, retransmits to all on timeout, learns the leader, and fails after bounded retries;
// it drives the pure core with a recording Env.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Env, TimerKey } from '../../src/core/env.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { ClientCore } from '../../src/smr/client-core.js';
import type { Wire } from '../../src/smr/messages.js';
import type { Observation } from '../../src/smr/observations.js';
import { SeededRng } from '../../src/core/rng.js';

function harness(replyQuorum: number) {
  const sent: { to: number; msg: Wire<unknown> }[] = [];
  const timers = new Map<string, TimerKey>();
  const seen: Observation[] = [];
  const env: Env<Wire<unknown>, TimerKey, Observation> = {
    self: 1000,
    crypto: NoneKeyring.fromSeed(1, [0, 1, 2, 3, 1000]).suiteFor(1000),
    log: { log() {} },
    send: (to, msg) => sent.push({ to, msg }),
    broadcast: () => assert.fail('clients do not broadcast'),
    setTimer: (_after, t) => timers.set(`${t.kind}:${String(t.requestId)}`, t),
    cancelTimer: (t) => timers.delete(`${t.kind}:${String(t.requestId)}`),
    now: () => 0,
    random: () => new SeededRng(1),
    deliver: (o) => seen.push(o),
    suspect: () => {},
  };
  const core = new ClientCore(env, {
    replicas: [0, 1, 2, 3],
    replyQuorum,
    retryMs: 100,
    retryMsMax: 1000,
    retriesMax: 2,
    windowMax: 4,
    firstRequestId: 1,
  });
  return { core, sent, timers, seen };
}

const reply = (requestId: number, result: number, leaderHint = 0): Wire<unknown> => ({
  kind: 'reply',
  requestId,
  readOnly: false,
  leaderHint,
  result: Uint8Array.of(result),
});

describe('ClientCore', () => {
  it('needs f+1 matching replies from distinct replicas', () => {
    const h = harness(2);
    const id = h.core.invoke(Uint8Array.of(9)) as number;
    assert.deepEqual(
      h.sent.map((s) => s.to),
      [0],
      'first transmission goes to the leader',
    );
    h.core.onMessage(1, reply(id, 7));
    h.core.onMessage(1, reply(id, 7));
    h.core.onMessage(2, reply(id, 8));
    assert.equal(
      h.seen.filter((o) => o.kind === 'completed').length,
      0,
      'duplicates and mismatches are not a quorum',
    );
    h.core.onMessage(3, reply(id, 7, 3));
    const done = h.seen.find((o) => o.kind === 'completed');
    assert.ok(done && done.kind === 'completed' && done.result[0] === 7);
    h.core.invoke(Uint8Array.of(1));
    assert.equal(h.sent.at(-1)?.to, 3, 'the leader hint of the accepted replies is followed');
  });

  it('ignores replies from nodes that are not replicas', () => {
    const h = harness(1);
    const id = h.core.invoke(Uint8Array.of(1)) as number;
    h.core.onMessage(1001, reply(id, 1));
    assert.equal(h.core.outstanding, 1);
  });

  it('retransmits to every replica on timeout and fails after its retries', () => {
    const h = harness(2);
    const id = h.core.invoke(Uint8Array.of(1)) as number;
    for (let attempt = 0; attempt <= 2; attempt++) h.core.onTimer({ kind: 'retry', requestId: id, attempt });
    assert.deepEqual(
      h.sent.slice(1, 5).map((s) => s.to),
      [0, 1, 2, 3],
    );
    const failed = h.seen.find((o) => o.kind === 'failed');
    assert.ok(failed, 'the request fails after retriesMax retransmissions');
    assert.equal(h.core.outstanding, 0);
  });

  it('bounds outstanding requests by its window and reports low-water marks', () => {
    const h = harness(1);
    const ids = [1, 2, 3, 4].map(() => h.core.invoke(Uint8Array.of(0)));
    assert.equal(h.core.invoke(Uint8Array.of(0)), undefined, 'the window is full');
    h.core.onMessage(0, reply(ids[0] as number, 1));
    h.core.invoke(Uint8Array.of(0));
    const last = h.sent.at(-1)?.msg;
    assert.ok(last?.kind === 'request' && last.lowWater === 1, 'id 1 is settled, so lowWater is 1');
  });
});

describe('ClientCore evidence', () => {
  it('counts replies that disagree with the accepted result, also when they arrive late', () => {
    const h = harness(2);
    const id = h.core.invoke(Uint8Array.of(1)) as number;
    h.core.onMessage(2, reply(id, 9));
    h.core.onMessage(0, reply(id, 7));
    h.core.onMessage(1, reply(id, 7));
    h.core.onMessage(3, reply(id, 8));
    h.core.onMessage(0, reply(id, 7));
    assert.deepEqual([...h.core.outvoted].sort(), [
      [2, 1],
      [3, 1],
    ]);
  });
});

describe('ClientCore id window', () => {
  it('stops invoking when the ids from the oldest pending request would exceed the window', () => {
    const h = harness(1);
    const first = h.core.invoke(Uint8Array.of(0)) as number;
    for (let i = 0; i < 3; i++) {
      const id = h.core.invoke(Uint8Array.of(0)) as number;
      h.core.onMessage(0, reply(id, 1));
    }
    assert.equal(h.core.outstanding, 1, 'only the first request is pending');
    assert.equal(h.core.invoke(Uint8Array.of(0)), undefined, 'ids 1..5 would span more than the window of 4');
    h.core.onMessage(0, reply(first, 1));
    assert.notEqual(h.core.invoke(Uint8Array.of(0)), undefined);
  });
});
