// Proves the crash-only baseline (crash-rm.ts) is a reliable FIFO multicast: over a seeded lossy, reordering network every member delivers every member's messages exactly once and in order, and once the network is quiet every buffer is discarded by stability.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codec } from '../../src/codec/frame.js';
import { timerId, type Env } from '../../src/core/env.js';
import { replicaIds } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import {
  CrashRm,
  crashRmSchema,
  type CrashRmMessage,
  type CrashRmTimer,
} from '../../src/protocols/itua/crash-rm.js';
import type { GroupDelivery } from '../../src/protocols/itua/total.js';

interface Frame {
  readonly at: number;
  readonly from: number;
  readonly to: number;
  readonly bytes: Uint8Array;
}

function run(seed: number, n: number, perMember: number, lossRate: number): void {
  const rng = new SeededRng(seed);
  const wire = codec(crashRmSchema);
  const ring = NoneKeyring.fromSeed(seed, replicaIds(n));
  let now = 0;
  const frames: Frame[] = [];
  const timers = new Map<string, { at: number; node: number; key: CrashRmTimer }>();
  const got: GroupDelivery[][] = replicaIds(n).map(() => []);
  const post = (from: number, to: number, m: CrashRmMessage) => {
    if (now < 2_000 && rng.float() < lossRate) return;
    frames.push({ at: now + 1 + rng.int(5), from, to, bytes: wire.encode(m) });
  };
  const members = replicaIds(n).map((id) => {
    const env: Env<CrashRmMessage, CrashRmTimer, GroupDelivery> = {
      self: id,
      crypto: ring.suiteFor(id),
      log: { log() {} },
      send: (to, m) => post(id, to, m),
      broadcast: (m) => replicaIds(n).forEach((to) => to !== id && post(id, to, m)),
      setTimer: (after, key) => timers.set(`${id}/${timerId(key)}`, { at: now + after, node: id, key }),
      cancelTimer: (key) => timers.delete(`${id}/${timerId(key)}`),
      now: () => now,
      random: () => rng,
      deliver: (d) => got[id]?.push(d),
      suspect: () => assert.fail('the crash-only baseline suspects nobody'),
    };
    return new CrashRm(env, replicaIds(n), { windowMax: 16 });
  });
  members.forEach((m) => m.start());
  const sent = members.map(() => 0);
  for (let step = 0; step < 200_000 && now < 6_000; step++) {
    members.forEach((m, i) => {
      if ((sent[i] ?? 0) < perMember && m.multicast(Uint8Array.of(i, sent[i] ?? 0)))
        sent[i] = (sent[i] ?? 0) + 1;
    });
    frames.sort((a, b) => a.at - b.at);
    const nextTimer = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
    const frame = frames[0];
    if (frame !== undefined && (nextTimer === undefined || frame.at <= nextTimer[1].at)) {
      frames.shift();
      now = Math.max(now, frame.at);
      const decoded = wire.decode(frame.bytes);
      assert.ok(decoded.ok);
      members[frame.to]?.onMessage(frame.from, decoded.value);
    } else if (nextTimer !== undefined) {
      timers.delete(nextTimer[0]);
      now = Math.max(now, nextTimer[1].at);
      members[nextTimer[1].node]?.onTimer(nextTimer[1].key);
    }
  }
  assert.deepEqual(
    sent,
    members.map(() => perMember),
    `seed ${seed}: every member sent everything`,
  );
  assert.deepEqual(
    members.map((m) => m.heldCount()),
    members.map(() => 0),
    `seed ${seed}: all stable`,
  );
  for (const [id, list] of got.entries()) {
    for (let sender = 0; sender < n; sender++) {
      const mine = list.filter((d) => d.sender === sender).map((d) => d.data[1]);
      assert.deepEqual(mine, [...Array(perMember).keys()], `seed ${seed}: member ${id}, sender ${sender}`);
    }
  }
}

describe('crash-only reliable multicast (the mnak baseline)', () => {
  it('delivers everything once and in FIFO order despite loss and reordering, within a bounded window', () => {
    for (let seed = 1; seed <= 12; seed++) run(seed, 4, 40, 0.2);
  });

  it('works without loss at n = 7', () => {
    run(99, 7, 30, 0);
  });
});
