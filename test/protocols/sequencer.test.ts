// Proves the central sequencer's rules in isolation: followers deliver in sequence order across
// gaps and fetch what they lost, refuse orders from anyone but the sequencer, and the sequencer
// never orders a retransmitted request twice. A recording Env drives the pure protocol.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientRequest, Env, OrderedBatch, TimerKey } from '../../src/core/env.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { sequencer, type SequencerMessage } from '../../src/protocols/sequencer/index.js';

function harness(self: number) {
  const out: { to: number | 'all'; msg: SequencerMessage }[] = [];
  const delivered: OrderedBatch[] = [];
  const suspects: { node: number; code: string }[] = [];
  const timers: TimerKey[] = [];
  const env: Env<SequencerMessage, TimerKey, OrderedBatch> = {
    self,
    crypto: NoneKeyring.fromSeed(1, [0, 1, 2]).suiteFor(self),
    log: { log() {} },
    send: (to, msg) => out.push({ to, msg }),
    broadcast: (msg) => out.push({ to: 'all', msg }),
    setTimer: (_after, t) => timers.push(t),
    cancelTimer: () => {},
    now: () => 0,
    random: () => new SeededRng(1),
    deliver: (b) => delivered.push(b),
    suspect: (node, e) => suspects.push({ node, code: e.code }),
  };
  const p = sequencer.create(env, { members: [0, 1, 2], f: 0, role: 'active' });
  return { p, out, delivered, suspects, timers };
}

const req = (client: number, requestId: number): ClientRequest => ({
  client,
  requestId,
  lowWater: 0,
  readOnly: false,
  op: Uint8Array.of(requestId),
  // The sequencer carries the authenticator through untouched; only the replica node checks it.
  auth: [],
});

describe('sequencer', () => {
  it('orders each request once, batching what arrives before the flush', () => {
    const h = harness(0);
    h.p.submit(req(1000, 1));
    h.p.submit(req(1000, 2));
    h.p.submit(req(1000, 1));
    assert.equal(h.delivered.length, 0, 'nothing is ordered before the flush timer');
    h.p.onTimer(h.timers[0] as TimerKey);
    assert.equal(h.delivered.length, 1);
    assert.deepEqual(
      h.delivered[0]?.requests.map((r) => r.requestId),
      [1, 2],
    );
    h.p.submit(req(1000, 2));
    assert.equal(h.timers.length, 1, 'a retransmission of an ordered request is not ordered again');
  });

  it('delivers in sequence order across a gap, and fetches the missing batch', () => {
    const h = harness(1);
    const order = (seq: number): SequencerMessage => ({ kind: 'order', seq, requests: [req(1000, seq)] });
    h.p.onMessage(0, order(2));
    assert.equal(h.delivered.length, 0);
    const sync = h.timers.find((t) => t.kind === 'sync') as TimerKey;
    h.p.onTimer(sync);
    assert.deepEqual(h.out.at(-1), { to: 0, msg: { kind: 'fetch', fromSeq: 1 } });
    h.p.onMessage(0, order(1));
    assert.deepEqual(
      h.delivered.map((b) => b.seq),
      [1, 2],
    );
    h.p.onMessage(0, order(2));
    assert.equal(h.delivered.length, 2, 'a stale order is ignored');
  });

  it('refuses orders from a node that is not the sequencer, and reports it', () => {
    const h = harness(1);
    h.p.onMessage(2, { kind: 'order', seq: 1, requests: [req(1000, 1)] });
    assert.equal(h.delivered.length, 0);
    assert.deepEqual(h.suspects, [{ node: 2, code: 'NOT_SEQUENCER' }]);
  });

  it('forwards requests that reach a follower to the sequencer', () => {
    const h = harness(2);
    h.p.submit(req(1000, 5));
    assert.deepEqual(h.out, [{ to: 0, msg: { kind: 'forward', request: req(1000, 5) } }]);
  });
});
