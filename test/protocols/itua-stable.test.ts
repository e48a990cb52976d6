// Proves the ITUA Stable layer (seed 003, Table I "Stable"): the stability threshold of each sender
// is the least count over all members' signed arrays and only rises; a member whose array stops
// arriving is suspected once per silence; forged or malformed arrays blame their sender; and in a
// whole cluster the thresholds reach what everyone delivered, so the buffers empty. One Stable
// layer runs on a recording LayerEnv; a Cluster runs whole stacks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Suspicion } from '../../src/protocols/itua/layer.js';
import type { ReportMessage } from '../../src/protocols/itua/messages.js';
import { signReport } from '../../src/protocols/itua/signing.js';
import { Stable, type StableOut } from '../../src/protocols/itua/stable.js';
import { resolveTuning } from '../../src/protocols/itua/timers.js';
import { bytes, Cluster, keyring, recordingEnv } from './itua-harness.js';

const ring = keyring(4);

/** A signed array of `from`: what its application consumed, and what it received (the same by default). */
function report(from: number, consumed: number[], received: number[] = consumed): ReportMessage {
  const sig = signReport(ring.suiteFor(from), 0, from, { received, consumed });
  return { kind: 'st-report', view: 0, received, consumed, sig };
}

const progress = (consumed: number[], received: number[] = consumed) =>
  ({ kind: 'progress', received, consumed }) as const;

function layer(self: number) {
  const rec = recordingEnv<ReportMessage, StableOut>(4, self);
  const s = new Stable(rec.env, resolveTuning(undefined));
  const tick = () => {
    for (const [id, key] of [...rec.timers]) {
      rec.timers.delete(id);
      s.onTimer(key as Parameters<Stable['onTimer']>[0]);
    }
  };
  const suspicions = () =>
    rec.out.filter((o): o is Suspicion => o.kind === 'suspect').map((o) => [o.reason.rank, o.reason.code]);
  return { rec, s, tick, suspicions };
}

describe('itua stable', () => {
  it('takes each sender’s threshold as the least consumed count over all members, and only raises it', () => {
    const { rec, s } = layer(0);
    s.onRequest(progress([3, 1, 0, 0]));
    s.onMessage(1, report(1, [2, 1, 0, 0]));
    s.onMessage(2, report(2, [5, 1, 0, 0]));
    assert.deepEqual(s.stability(), [0, 0, 0, 0], 'member 3 has reported nothing yet');
    s.onMessage(3, report(3, [1, 0, 0, 0]));
    assert.deepEqual(s.stability(), [1, 0, 0, 0]);
    s.onMessage(3, report(3, [4, 1, 0, 0]));
    assert.deepEqual(s.stability(), [2, 1, 0, 0], 'min(3, 2, 5, 4), min(1, 1, 1, 1)');
    s.onMessage(3, report(3, [1, 0, 0, 0]));
    assert.deepEqual(s.stability(), [2, 1, 0, 0], 'a late, older array lowers nothing');
    const stables = rec.out.flatMap((o) => (o.kind === 'stable' ? [o.thresholds] : []));
    assert.deepEqual(stables, [
      [1, 0, 0, 0],
      [2, 1, 0, 0],
    ]);
  });

  it('passes on what each member received, before anything is consumed, so gaps show early', () => {
    const { rec, s } = layer(0);
    s.onMessage(2, report(2, [0, 0, 0, 0], [0, 3, 0, 0]));
    assert.deepEqual(rec.out, [{ kind: 'report', reporter: 2, received: [0, 3, 0, 0] }]);
  });

  it('multicasts its own signed array on every tick, and suspects a member whose array stops, once per silence', () => {
    const h = layer(0);
    h.s.start();
    h.s.onRequest(progress([1, 2, 3, 4], [2, 2, 3, 5]));
    for (let t = 0; t < 8; t++) {
      h.rec.clock.now += 150;
      for (const k of [1, 2]) h.s.onMessage(k, report(k, [0, 0, 0, 0]));
      if (t < 2) h.s.onMessage(3, report(3, [0, 0, 0, 0]));
      h.tick();
    }
    assert.deepEqual(h.suspicions(), [[3, 'STABILITY_TIMEOUT']]);
    const own = h.rec.sent.filter((x) => x.to === 'all').map((x) => x.msg);
    assert.ok(own.length >= 8);
    assert.deepEqual(
      [own[0]?.received, own[0]?.consumed],
      [
        [2, 2, 3, 5],
        [1, 2, 3, 4],
      ],
    );
    h.s.onMessage(3, report(3, [0, 0, 0, 0]));
    for (let t = 0; t < 8; t++) {
      h.rec.clock.now += 150;
      h.tick();
    }
    assert.equal(h.suspicions().filter(([r]) => r === 3).length, 2, 'a new silence, a new suspicion');
  });

  it('refuses a forged array, one of the wrong length, or one consuming more than it received, and suspects its sender', () => {
    const h = layer(0);
    h.s.onMessage(1, report(2, [1, 1, 1, 1]));
    h.s.onMessage(2, report(2, [1, 1, 1]));
    h.s.onMessage(3, report(3, [1, 1, 1, 1], [1, 0, 1, 1]));
    assert.deepEqual(h.suspicions(), [
      [1, 'BAD_SIGNATURE'],
      [2, 'MALFORMED'],
      [3, 'MALFORMED'],
    ]);
    assert.deepEqual(h.s.stability(), [0, 0, 0, 0]);
  });

  it('brings every threshold up to what all members delivered, in a cluster', () => {
    const c = new Cluster(4);
    for (let i = 0; i < 4; i++) c.stacks[i]?.multicast(i % 2 === 0 ? 'total' : 'fifo', bytes(i));
    c.advance(1_000);
    const delivered = c.stacks[0]?.deliveredCounts();
    for (const s of c.stacks) {
      assert.deepEqual(s.deliveredCounts(), delivered);
      assert.deepEqual(s.stability(), delivered, 'everything delivered everywhere is stable');
    }
    assert.deepEqual(c.suspicions, []);
  });
});
