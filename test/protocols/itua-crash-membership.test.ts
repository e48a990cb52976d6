// Proves the crash-only membership baseline (crash-membership.ts) excludes crashed members: on a seeded network with latency, every surviving member installs the same next view without the crashed ones, for one crash and for a second crash that strikes during the installation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timerId, type Env } from '../../src/core/env.js';
import { replicaIds } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import {
  CrashMembership,
  type CrashMembershipEvent,
  type CrashMembershipMessage,
  type CrashMembershipTimer,
} from '../../src/protocols/itua/crash-membership.js';

type Views = { id: number; members: readonly number[] }[];

/** Runs n members; `crashes` says who stops at which time; returns each member's installed views. */
function run(seed: number, n: number, crashes: ReadonlyMap<number, number>, untilMs: number): Views[] {
  const rng = new SeededRng(seed);
  const ring = NoneKeyring.fromSeed(seed, replicaIds(n));
  let now = 0;
  const events: { at: number; node: number; act: () => void }[] = [];
  const views: Views[] = replicaIds(n).map(() => []);
  const alive = (id: number) => (crashes.get(id) ?? Infinity) > now;
  const timers = new Map<string, number>();
  const members: CrashMembership[] = [];
  const post = (from: number, to: number, m: CrashMembershipMessage) => {
    if (alive(from))
      events.push({ at: now + 1 + rng.int(4), node: to, act: () => members[to]?.onMessage(from, m) });
  };
  for (const id of replicaIds(n)) {
    const env: Env<CrashMembershipMessage, CrashMembershipTimer, CrashMembershipEvent> = {
      self: id,
      crypto: ring.suiteFor(id),
      log: { log() {} },
      send: (to, m) => post(id, to, m),
      broadcast: (m) => replicaIds(n).forEach((to) => to !== id && post(id, to, m)),
      setTimer: (after, key) => {
        const tag = `${id}/${timerId(key)}`;
        const at = now + after;
        timers.set(tag, at);
        events.push({ at, node: id, act: () => timers.get(tag) === at && members[id]?.onTimer(key) });
      },
      cancelTimer: (key) => timers.delete(`${id}/${timerId(key)}`),
      now: () => now,
      random: () => rng,
      deliver: (e) => e.kind === 'view' && views[id]?.push(e.view),
      suspect: () => {},
    };
    members.push(new CrashMembership(env, replicaIds(n), { heartbeatMs: 20, suspectMs: 100, retryMs: 50 }));
  }
  members.forEach((m) => m.start());
  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at);
    const e = events.shift();
    if (e === undefined || e.at > untilMs) break;
    now = e.at;
    if (alive(e.node)) e.act();
  }
  return views;
}

function lastViews(views: Views[], survivors: readonly number[]): string[] {
  return survivors.map((id) => JSON.stringify(views[id]?.at(-1)));
}

describe('crash-only membership (the C-Ensemble baseline)', () => {
  it('excludes one crashed member: every survivor installs the same view without it', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const views = run(seed, 5, new Map([[3, 200]]), 2_000);
      const last = lastViews(views, [0, 1, 2, 4]);
      assert.deepEqual(new Set(last).size, 1, `seed ${seed}: ${last.join(' ')}`);
      assert.deepEqual(views[0]?.at(-1)?.members, [0, 1, 2, 4], `seed ${seed}`);
    }
  });

  it('excludes a coordinator that crashes during the installation, and the member it was excluding', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const views = run(
        seed,
        7,
        new Map([
          [5, 200],
          [0, 310],
        ]),
        3_000,
      );
      const last = lastViews(views, [1, 2, 3, 4, 6]);
      assert.deepEqual(new Set(last).size, 1, `seed ${seed}: ${last.join(' ')}`);
      assert.deepEqual(views[1]?.at(-1)?.members, [1, 2, 3, 4, 6], `seed ${seed}`);
    }
  });
});
