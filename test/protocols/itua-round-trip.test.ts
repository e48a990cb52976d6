// The digest's resend delay follows how long certification takes (RFC 6298's smoothing, never
// below digestRetryMs), and a new view starts at the pace of the view before it: after an
// installation every member resends what the cut left out at once, and a delay below that burst
// would resend every digest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timerId } from '../../src/core/env.js';
import { RoundTrip } from '../../src/protocols/itua/reliable-state.js';
import { Reliable, type ReliableOut } from '../../src/protocols/itua/reliable.js';
import type { ReliableMessage } from '../../src/protocols/itua/messages.js';
import { resolveTuning } from '../../src/protocols/itua/timers.js';
import { group } from './itua-group-cluster.js';
import { bytes, recordingEnv } from './itua-harness.js';

/** A Reliable layer at member 0 of four whose timers' delays are recorded by timer id. */
function sender(roundTrip: RoundTrip) {
  const rec = recordingEnv<ReliableMessage, ReliableOut>(4, 0);
  const delays = new Map<string, number>();
  const env = {
    ...rec.env,
    setTimer: (afterMs: number, t: Parameters<typeof rec.env.setTimer>[1]) => {
      delays.set(timerId(t), afterMs);
      rec.env.setTimer(afterMs, t);
    },
  };
  const r = new Reliable(env, resolveTuning({ replyBatchMax: 1 }), roundTrip);
  const digestDelay = (seq: number) => delays.get(timerId({ kind: 'rm.digest', view: 0, seq }));
  return { r, digestDelay };
}

describe('itua digest pace', () => {
  it('starts at the floor, follows measured certifications, and stays within floor and ceiling', () => {
    const t = new RoundTrip(40, 320);
    assert.equal(t.timeoutMs(), 40, 'nothing measured yet: the floor');
    t.sample(100);
    assert.equal(t.timeoutMs(), 100 + 4 * 50, 'first sample: itself plus four times half of it');
    for (let i = 0; i < 50; i++) t.sample(100);
    const steady = t.timeoutMs();
    assert.ok(steady >= 100 && steady < 110, `a steady 100 ms gives a little over 100 ms, got ${steady}`);
    for (let i = 0; i < 50; i++) t.sample(2);
    assert.equal(t.timeoutMs(), 40, 'never below the floor');
    for (let i = 0; i < 50; i++) t.sample(5_000);
    assert.equal(t.timeoutMs(), 320, 'never above the ceiling');
  });

  it("arms a multicast's first digest resend at the pace given, then doubles it", () => {
    const fresh = sender(new RoundTrip(40, 320));
    fresh.r.onRequest({ kind: 'multicast', body: bytes(1) });
    assert.equal(fresh.digestDelay(1), 40);

    const paced = new RoundTrip(40, 320);
    for (let i = 0; i < 20; i++) paced.sample(150);
    const s = sender(paced);
    s.r.onRequest({ kind: 'multicast', body: bytes(1) });
    const first = s.digestDelay(1) ?? 0;
    assert.ok(first >= 150, `a group that certifies in 150 ms is not asked again after 40 (got ${first})`);
    s.r.onTimer({ kind: 'rm.digest', view: 0, seq: 1 });
    assert.equal(s.digestDelay(1), Math.min(2 * first, 320), 'no reply yet: twice the wait');
  });

  it("gives each new view's stack the pace of the view before", () => {
    const c = group(4);
    c.run(50);
    const m = c.nodes.get(0);
    const before = m?.stack();
    assert.ok(before !== undefined);
    c.nodes.get(3)?.leave();
    c.run(2_000);
    assert.deepEqual(c.views(0).at(-1)?.members, [0, 1, 2], 'member 3 left');
    const after = m?.stack();
    assert.notEqual(after, before, 'a new stack for the new view');
    assert.equal(after?.roundTrip, before.roundTrip, 'the same estimate, carried over');
  });
});
