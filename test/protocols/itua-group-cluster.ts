// A hand-driven network of ITUA group members for staged membership tests: messages in FIFO
// order with zero latency (each through the group wire codec), timers on a virtual clock, members
// that can be taken down, and frames that a test may drop on their way.
import assert from 'node:assert/strict';
import { codec } from '../../src/codec/frame.js';
import { timerId, type Env, type TimerKey } from '../../src/core/env.js';
import type { NodeId } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { createCryptoSuite, NoneKeyring } from '../../src/crypto/index.js';
import {
  GroupMember,
  groupWireSchema,
  type GroupEvent,
  type GroupWire,
} from '../../src/protocols/itua/index.js';

export const wire = codec(groupWireSchema);
export const ALL = [0, 1, 2, 3, 4, 5];
const keyring = NoneKeyring.fromSeed(3, ALL);
export const cryptoOf = (node: NodeId) =>
  createCryptoSuite({ mode: 'none', context: 'sim', self: node, keyring });

/** Members on a zero-latency FIFO network and one virtual clock; every frame goes through the codec. */
export class Cluster {
  now = 0;
  readonly nodes = new Map<NodeId, GroupMember>();
  readonly events = new Map<NodeId, GroupEvent[]>();
  private readonly queue: { to: NodeId; from: NodeId; bytes: Uint8Array }[] = [];
  private readonly timers = new Map<string, { at: number; node: NodeId; key: TimerKey }>();
  readonly down = new Set<NodeId>();
  /** Frames for which this says true are lost on their way. */
  drop: (from: NodeId, to: NodeId, m: GroupWire) => boolean = () => false;

  add(
    node: NodeId,
    members: NodeId[],
    authorized: NodeId[],
    joining = false,
    tuning?: Readonly<Record<string, number>>,
  ): GroupMember {
    const rng = new SeededRng(node + 1);
    const env: Env<GroupWire, TimerKey, GroupEvent> = {
      self: node,
      crypto: cryptoOf(node),
      log: { log: () => undefined },
      send: (to, m) => this.queue.push({ to, from: node, bytes: wire.encode(m) }),
      broadcast: (m) => {
        for (const to of ALL) if (to !== node) this.queue.push({ to, from: node, bytes: wire.encode(m) });
      },
      setTimer: (afterMs, key) =>
        this.timers.set(`${node}|${timerId(key)}`, { at: this.now + afterMs, node, key }),
      cancelTimer: (key) => this.timers.delete(`${node}|${timerId(key)}`),
      now: () => this.now,
      random: () => rng,
      deliver: (e) => this.events.get(node)?.push(e),
      suspect: () => undefined,
    };
    const m = new GroupMember(env, { members, authorized, joining, tuning });
    this.nodes.set(node, m);
    this.events.set(node, []);
    return m;
  }

  /** Runs until `ms` of virtual time pass: all queued frames first, then the next timer. */
  run(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const f = this.queue.shift();
      if (f !== undefined) {
        const decoded = wire.decode(f.bytes);
        assert.ok(decoded.ok, 'every frame decodes');
        if (this.down.has(f.to) || this.drop(f.from, f.to, decoded.value)) continue;
        this.nodes.get(f.to)?.onMessage(f.from, decoded.value);
        continue;
      }
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined || next[1].at > end) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      if (!this.down.has(next[1].node)) this.nodes.get(next[1].node)?.onTimer(next[1].key);
    }
    this.now = end;
  }

  views(node: NodeId): { id: number; members: readonly NodeId[]; joined: readonly NodeId[] }[] {
    return (this.events.get(node) ?? []).flatMap((e) =>
      e.kind === 'view' ? [{ id: e.view.id, members: e.view.members, joined: e.joined }] : [],
    );
  }
}

export function group(n: number, authorized = ALL, tuning?: Readonly<Record<string, number>>): Cluster {
  const c = new Cluster();
  const members = ALL.slice(0, n);
  for (const node of members) c.add(node, members, authorized, false, tuning);
  for (const m of c.nodes.values()) m.start();
  return c;
}
