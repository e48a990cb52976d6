// Shared set-up for the ITUA unit tests: a recording LayerEnv that drives one layer by hand, and a
// cluster of whole stacks on a hand-driven network (zero latency, a virtual clock, messages
// delivered or dropped as a test says), so each test can stage exactly the interleaving it needs.
import type { CryptoSuite } from '../../src/core/crypto-suite.js';
import { timerId, type Env, type TimerKey } from '../../src/core/env.js';
import { replicaIds, type NodeId } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import type { LayerEnv, SuspectReason } from '../../src/protocols/itua/layer.js';
import type { ItuaMessage } from '../../src/protocols/itua/messages.js';
import { messageDigest, signDigest, signReplies } from '../../src/protocols/itua/signing.js';
import { createItuaStack, viewInfo, type ItuaStack } from '../../src/protocols/itua/stack.js';
import type { ItuaTimer } from '../../src/protocols/itua/timers.js';
import type { GroupDelivery } from '../../src/protocols/itua/total.js';

export const keyring = (n: number): NoneKeyring => NoneKeyring.fromSeed(7, replicaIds(n));

export interface Recorded<Net, Out> {
  readonly env: LayerEnv<Net, Out, ItuaTimer>;
  readonly sent: { to: number | 'all'; msg: Net }[];
  readonly out: Out[];
  readonly timers: Map<string, ItuaTimer>;
  clock: { now: number };
}

/** A LayerEnv that records what a layer does, for a member of an n-member view 0. */
export function recordingEnv<Net, Out>(n: number, self: number, crypto?: CryptoSuite): Recorded<Net, Out> {
  const sent: { to: number | 'all'; msg: Net }[] = [];
  const out: Out[] = [];
  const timers = new Map<string, ItuaTimer>();
  const clock = { now: 0 };
  const view = viewInfo(0, replicaIds(n));
  const rng = new SeededRng(3);
  const env: LayerEnv<Net, Out, ItuaTimer> = {
    self,
    view,
    crypto: crypto ?? keyring(n).suiteFor(self),
    log: { log() {} },
    nodeOf: (r) => view.members[r],
    send: (to, msg) => sent.push({ to, msg }),
    broadcast: (msg) => sent.push({ to: 'all', msg }),
    setTimer: (_after, t) => timers.set(timerId(t), t),
    cancelTimer: (t) => timers.delete(timerId(t)),
    now: () => clock.now,
    random: () => rng,
    emit: (o) => out.push(o),
  };
  return { env, sent, out, timers, clock };
}

interface InFlight {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: ItuaMessage;
}

interface ArmedTimer {
  readonly at: number;
  readonly key: ItuaTimer;
}

/**
 * n whole stacks on a network the test drives: `flush` delivers, `drop` decides what is lost.
 * Replies are signed one by one unless the tuning says otherwise (`replyBatchMax` > 1: then they
 * wait for a timer, which only `advance` fires), so that `flush` alone runs all three phases.
 */
export class Cluster {
  readonly stacks: ItuaStack[] = [];
  readonly deliveries: GroupDelivery[][] = [];
  readonly suspicions: { by: NodeId; node: NodeId; reason: SuspectReason }[] = [];
  readonly log: InFlight[] = [];
  private wire: InFlight[] = [];
  private readonly timers: Map<string, ArmedTimer>[] = [];
  now = 0;
  /** Frames for which this returns true are lost. */
  drop: (m: InFlight) => boolean = () => false;

  constructor(
    readonly n: number,
    tuning?: Readonly<Record<string, number>>,
  ) {
    const ring = keyring(n);
    for (const id of replicaIds(n)) {
      this.deliveries.push([]);
      this.timers.push(new Map());
      this.stacks.push(
        createItuaStack(this.envFor(id, ring.suiteFor(id)), {
          view: 0,
          members: replicaIds(n),
          tuning: { replyBatchMax: 1, ...tuning },
        }),
      );
    }
    for (const s of this.stacks) s.start();
  }

  /** Deliver everything in flight, and whatever that causes, until the network is quiet. */
  flush(stepsMax = 1_000_000): void {
    for (let steps = 0; this.wire.length > 0; steps++) {
      if (steps > stepsMax) throw new Error('flush: no quiescence');
      const m = this.wire.shift() as InFlight;
      if (this.drop(m)) continue;
      this.log.push(m);
      this.stacks[m.to]?.onMessage(m.from, m.msg);
    }
  }

  /** Move the clock on by `ms`, firing due timers in time order and flushing after each. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      this.flush();
      let next: { node: number; id: string; t: ArmedTimer } | undefined;
      this.timers.forEach((map, node) => {
        for (const [id, t] of map)
          if (t.at <= until && (next === undefined || t.at < next.t.at)) next = { node, id, t };
      });
      if (next === undefined) break;
      this.now = Math.max(this.now, next.t.at);
      this.timers[next.node]?.delete(next.id);
      this.stacks[next.node]?.onTimer(next.t.key);
    }
    this.now = until;
    this.flush();
  }

  /** Inject a message as if `from` had sent it. */
  inject(from: NodeId, to: NodeId, msg: ItuaMessage): void {
    this.wire.push({ from, to, msg });
    this.flush();
  }

  codes(node: NodeId): string[] {
    return this.suspicions.filter((s) => s.node === node).map((s) => s.reason.code);
  }

  private envFor(id: NodeId, crypto: CryptoSuite): Env<ItuaMessage, ItuaTimer, GroupDelivery> {
    const rng = new SeededRng(100 + id);
    return {
      self: id,
      crypto,
      log: { log() {} },
      send: (to, msg) => this.wire.push({ from: id, to, msg }),
      broadcast: (msg) => {
        for (let to = 0; to < this.n; to++) if (to !== id) this.wire.push({ from: id, to, msg });
      },
      setTimer: (after, key) => this.timers[id]?.set(timerId(key), { at: this.now + after, key }),
      cancelTimer: (key: TimerKey) => this.timers[id]?.delete(timerId(key)),
      now: () => this.now,
      random: () => rng,
      deliver: (d) => this.deliveries[id]?.push(d),
      suspect: (node, reason) => this.suspicions.push({ by: id, node, reason: reason as SuspectReason }),
    };
  }
}

export const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

/**
 * A certified phase-3 message of `sender`, with the replies of the members of `repliers` (in the
 * order given; the sender, if named, is left out: its digest signature stands for its reply).
 */
export function certified(
  n: number,
  sender: number,
  seq: number,
  body: Uint8Array,
  repliers: readonly number[],
): Extract<ItuaMessage, { kind: 'rm-message' }> {
  const ring = keyring(n);
  const id = { view: 0, sender, seq };
  const suite = ring.suiteFor(sender);
  const signed = signDigest(suite, id, messageDigest(suite, id, body));
  const cert = repliers
    .filter((rank) => rank !== sender)
    .map((rank) => ({ rank, ...replyOf(ring.suiteFor(rank), id, signed.digest) }));
  return { kind: 'rm-message', view: 0, sender, seq, body, sig: signed.sig, cert };
}

/** The signed phase-1 digest `sender` would multicast for `body`. */
export function digestOf(
  n: number,
  sender: number,
  seq: number,
  body: Uint8Array,
): Extract<ItuaMessage, { kind: 'rm-digest' }> {
  const suite = keyring(n).suiteFor(sender);
  const id = { view: 0, sender, seq };
  return {
    kind: 'rm-digest',
    view: 0,
    sender,
    seq,
    ...signDigest(suite, id, messageDigest(suite, id, body)),
  };
}

/** A member's reply to `digest`, signed alone (a batch of one). */
export function replyOf(
  crypto: CryptoSuite,
  id: { view: number; sender: number; seq: number },
  digest: Uint8Array,
): { sig: Uint8Array; index: number; path: Uint8Array[] } {
  return signReplies(crypto, id.view, [{ id, digest }]).proofs[0] as {
    sig: Uint8Array;
    index: number;
    path: Uint8Array[];
  };
}
