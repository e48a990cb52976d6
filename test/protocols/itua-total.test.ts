// Proves the ITUA Total layer's born order (seed 003, total ordering): numbers come from each
// member's partition f_i(x) = x + n starting at its rank; a message numbered g is delivered once
// no other member can send below g (its last number x has f(x) = x + n above g), so a round in
// which the members send alike needs no null message; a member whose next number would not pass
// a waiting message sends a null message; FIFO holds across guarantees; a member that stalls the
// order or breaks the numbering rules is suspected.
// One Total layer is fed reliable deliveries through a recording LayerEnv; a Cluster of whole
// stacks shows every member delivering one sequence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Suspicion } from '../../src/protocols/itua/layer.js';
import type { ItuaBody } from '../../src/protocols/itua/messages.js';
import { resolveTuning, type ItuaTimer } from '../../src/protocols/itua/timers.js';
import { bodyCodec, Total, type TotalOut } from '../../src/protocols/itua/total.js';
import { bytes, Cluster, recordingEnv } from './itua-harness.js';

function layer(n: number, self: number) {
  const rec = recordingEnv<never, TotalOut>(n, self);
  const t = new Total(rec.env, resolveTuning(undefined));
  const seqs = new Array<number>(n).fill(0);
  /** Member `from` reliably delivers a body to this layer (its next sequence number). */
  const feed = (from: number, body: ItuaBody) => {
    seqs[from] = (seqs[from] ?? 0) + 1;
    t.onMessage(from, { sender: from, seq: seqs[from] as number, body: bodyCodec.encode(body) });
  };
  const fire = (kind: ItuaTimer['kind']) => {
    for (const [id, key] of [...rec.timers]) {
      if (key.kind !== kind) continue;
      rec.timers.delete(id);
      t.onTimer(key as Parameters<Total['onTimer']>[0]);
    }
  };
  const delivered = () => rec.out.flatMap((o) => (o.kind === 'deliver' ? [`${o.sender}:${o.data[0]}`] : []));
  const sentBodies = () =>
    rec.out.flatMap((o) => {
      if (o.kind !== 'multicast') return [];
      const d = bodyCodec.decode(o.body);
      return d.ok ? [d.value] : [];
    });
  const suspicions = () =>
    rec.out.filter((o): o is Suspicion => o.kind === 'suspect').map((o) => [o.reason.rank, o.reason.code]);
  return { rec, t, feed, fire, delivered, sentBodies, suspicions };
}

describe('itua total order (born order)', () => {
  it('numbers its own messages from its partition: rank first, then above everything it has seen', () => {
    const h = layer(4, 2);
    h.t.onRequest({ kind: 'multicast', guarantee: 'total', data: bytes(1) });
    h.feed(1, { kind: 'ordered', order: 9, data: bytes(5) });
    h.t.onRequest({ kind: 'multicast', guarantee: 'total', data: bytes(2) });
    h.t.onRequest({ kind: 'multicast', guarantee: 'fifo', data: bytes(3) });
    assert.deepEqual(
      h.sentBodies().map((b) => (b.kind === 'fifo' ? 'fifo' : b.order)),
      [2, 10, 'fifo'],
      'S_2 = {2, 6, 10, ...}: 2 first, then the first above 9',
    );
  });

  it('delivers in number order once nobody can send a lower number, with null messages', () => {
    const h = layer(3, 0);
    h.feed(1, { kind: 'ordered', order: 1, data: bytes(10) });
    assert.deepEqual(h.delivered(), [], 'member 0 has sent nothing: its first number, 0, may come');
    h.fire('to.null');
    assert.deepEqual(
      h.sentBodies(),
      [{ kind: 'null', order: 3 }],
      'member 0 has nothing to send: a null above 1',
    );
    h.feed(0, { kind: 'null', order: 3 });
    assert.deepEqual(h.delivered(), ['1:10'], "0's next is 6 or more, 2's first is 2 or more: 1 is first");
    h.feed(2, { kind: 'ordered', order: 5, data: bytes(20) });
    assert.deepEqual(h.delivered(), ['1:10'], "1's next may be 4, below 5");
    h.feed(1, { kind: 'ordered', order: 4, data: bytes(11) });
    assert.deepEqual(h.delivered(), ['1:10', '1:11', '2:20'], '4 before 5, whatever the arrival order');
    h.fire('to.null');
    assert.equal(h.sentBodies().length, 1, "nothing waits for 0's numbers: one null was enough");
    assert.deepEqual(h.suspicions(), []);
  });

  it('needs no null message when the members send alike (a round of numbers within n of each other)', () => {
    const h = layer(4, 0);
    h.t.onRequest({ kind: 'multicast', guarantee: 'total', data: bytes(0) });
    const round = (k: number) => {
      h.feed(3, { kind: 'ordered', order: 4 * k + 3, data: bytes(4 * k + 3) });
      h.feed(1, { kind: 'ordered', order: 4 * k + 1, data: bytes(4 * k + 1) });
      h.feed(2, { kind: 'ordered', order: 4 * k + 2, data: bytes(4 * k + 2) });
    };
    round(0);
    assert.deepEqual(h.delivered(), [], 'my own 0 comes first, and it is not back yet');
    h.feed(0, h.sentBodies()[0] as ItuaBody);
    assert.deepEqual(h.delivered(), ['0:0', '1:1', '2:2', '3:3'], "everyone's next is above 3");
    h.t.onRequest({ kind: 'multicast', guarantee: 'total', data: bytes(4) });
    round(1);
    h.feed(0, h.sentBodies()[1] as ItuaBody);
    assert.deepEqual(h.delivered().slice(4), ['0:4', '1:5', '2:6', '3:7']);
    h.fire('to.null');
    assert.deepEqual(
      h.sentBodies().map((b) => b.kind),
      ['ordered', 'ordered'],
      'no null message',
    );
  });

  it('keeps a sender’s FIFO order across guarantees: a fifo message waits behind its sender’s ordered one', () => {
    const h = layer(3, 0);
    h.feed(1, { kind: 'ordered', order: 1, data: bytes(1) });
    h.feed(1, { kind: 'fifo', data: bytes(2) });
    h.feed(2, { kind: 'fifo', data: bytes(3) });
    assert.deepEqual(h.delivered(), ['2:3'], "member 2's fifo message waits for nothing");
    h.feed(0, { kind: 'null', order: 3 });
    h.feed(2, { kind: 'null', order: 2 });
    assert.deepEqual(h.delivered(), ['2:3', '1:1', '1:2']);
  });

  it('suspects a member that holds the order back, and no one else', () => {
    const h = layer(3, 0);
    h.feed(1, { kind: 'ordered', order: 4, data: bytes(1) });
    h.feed(0, { kind: 'null', order: 3 });
    h.fire('to.stall');
    assert.deepEqual(h.suspicions(), [[2, 'ORDER_STALL']], "2's first number, 2, may still come before 4");
    h.feed(2, { kind: 'null', order: 2 });
    assert.deepEqual(h.delivered(), ['1:1']);
    assert.equal(
      [...h.rec.timers.values()].filter((t) => t.kind === 'to.stall').length,
      0,
      'the episode ended',
    );
  });

  it('suspects a member still holding the order after inching forward one number at a time', () => {
    const h = layer(3, 0);
    h.feed(1, { kind: 'ordered', order: 4, data: bytes(1) });
    h.feed(1, { kind: 'ordered', order: 10, data: bytes(2) });
    h.feed(0, { kind: 'null', order: 12 });
    h.feed(2, { kind: 'null', order: 2 });
    assert.deepEqual(h.delivered(), ['1:1']);
    h.fire('to.stall');
    assert.deepEqual(h.suspicions(), [[2, 'ORDER_STALL']], 'passing 4 is not enough: 10 was waiting too');
  });

  it('suspects numbers outside the partition, not increasing, or skipping too far, and delivers none of them', () => {
    const h = layer(3, 0);
    h.feed(2, { kind: 'ordered', order: 4, data: bytes(1) });
    h.feed(1, { kind: 'ordered', order: 1, data: bytes(2) });
    h.feed(1, { kind: 'ordered', order: 1, data: bytes(3) });
    const far = layer(3, 0);
    far.feed(1, { kind: 'ordered', order: 1 + 3 * 2_000, data: bytes(4) });
    assert.deepEqual(h.suspicions(), [
      [2, 'ORDER_NOT_IN_PARTITION'],
      [1, 'ORDER_NOT_INCREASING'],
    ]);
    assert.deepEqual(far.suspicions(), [[1, 'ORDER_SKIP_TOO_FAR']]);
    assert.deepEqual([...h.delivered(), ...far.delivered()], []);
  });

  it('lets a member that lost the message the order waits for learn of it, from what the others received', () => {
    const c = new Cluster(4);
    // Member 3 hears nothing of member 0's multicast: the others wait for member 3's null
    // message, and member 3 learns the message exists only from their stability arrays.
    c.drop = (m) => m.from === 0 && m.to === 3 && m.msg.kind.startsWith('rm-');
    c.stacks[0]?.multicast('total', bytes(1));
    c.advance(600);
    for (const d of c.deliveries)
      assert.deepEqual(
        d.map((x) => x.data[0]),
        [1],
      );
  });

  it('makes every member of a cluster deliver the same sequence, the quiet ones sending null messages', () => {
    const c = new Cluster(4);
    c.stacks[0]?.multicast('total', bytes(1));
    c.stacks[2]?.multicast('total', bytes(2));
    c.stacks[0]?.multicast('total', bytes(3));
    c.advance(200);
    const seqOf = (member: number) => c.deliveries[member]?.map((d) => d.data[0]);
    assert.deepEqual(seqOf(0), [1, 2, 3]);
    for (const m of [1, 2, 3]) assert.deepEqual(seqOf(m), seqOf(0));
    const nulls = c.log.filter(
      (m) => m.msg.kind === 'rm-message' && bodyCodec.decode(m.msg.body).ok && m.msg.body[1] === 3,
    );
    assert.ok(
      nulls.some((m) => m.from === 1) && nulls.some((m) => m.from === 3),
      'the quiet members sent nulls',
    );
    assert.deepEqual(c.suspicions, []);
  });
});
