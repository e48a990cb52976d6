// A hand-driven Paxos cluster for unit tests: n replicas, each with a recording Env, one FIFO
// queue of messages that the test delivers or drops, timers fired by a virtual clock, and a
// stand-in for smr that records deliveries, reports state digests at checkpoint seqs the way
// smr/replica-node.ts does, and carries out state transfers at once.
import type { ClientRequest, Env, OrderingDelivery, OrderingProtocol, TimerKey } from '../../src/core/env.js';
import { timerId } from '../../src/core/env.js';
import type { NodeId } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { paxos, type PaxosMessage } from '../../src/protocols/paxos/index.js';
import type { PaxosReplica } from '../../src/protocols/paxos/replica.js';
import { SmrStandIn } from './smr-stand-in.js';
import { nextDue, type Armed } from './virtual-timers.js';

export interface Sent {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: PaxosMessage;
}

export class Cluster {
  readonly ids: NodeId[];
  readonly replicas: PaxosReplica[] = [];
  readonly queue: Sent[] = [];
  readonly suspects: { by: NodeId; node: NodeId; code: string }[] = [];
  readonly timers = new Map<NodeId, Map<string, Armed>>();
  /** Nodes whose incoming and outgoing messages are dropped (cut off, or crashed for good). */
  readonly isolated = new Set<NodeId>();
  now = 0;
  private readonly keyring: NoneKeyring;
  /** smr's part: deliveries recorded, batches executed, state transferred (smr-stand-in.ts). */
  readonly smr: SmrStandIn = new SmrStandIn({
    replica: (id) => this.replicas[id] as OrderingProtocol<unknown> | undefined,
    digest: (id, bytes) => this.keyring.suiteFor(id).digest(bytes),
    checkpointInterval: () => this.tuning['checkpointInterval'] ?? 128,
    isolated: this.isolated,
  });
  readonly deliveries = this.smr.deliveries;

  constructor(
    readonly n: number,
    readonly tuning: Record<string, number> = {},
  ) {
    this.ids = Array.from({ length: n }, (_, i) => i);
    this.keyring = NoneKeyring.fromSeed(7, this.ids);
    for (const id of this.ids) this.replicas.push(this.create(id));
  }

  private create(id: NodeId): PaxosReplica {
    this.smr.reset(id);
    this.timers.set(id, new Map());
    const config = {
      members: this.ids,
      f: Math.floor((this.n - 1) / 2),
      role: 'active' as const,
      tuning: this.tuning,
    };
    return paxos.create(this.envFor(id), config) as PaxosReplica;
  }

  private envFor(id: NodeId): Env<PaxosMessage, TimerKey, OrderingDelivery> {
    const push = (to: NodeId, msg: PaxosMessage) => {
      if (!this.isolated.has(id) && !this.isolated.has(to)) this.queue.push({ from: id, to, msg });
    };
    const rng = new SeededRng(id + 1);
    return {
      self: id,
      crypto: this.keyring.suiteFor(id),
      log: { log: () => {} },
      send: (to, msg) => push(to, msg),
      broadcast: (msg) => {
        for (const to of this.ids) if (to !== id) push(to, msg);
      },
      setTimer: (after, key) => this.timers.get(id)?.set(timerId(key), { key, dueMs: this.now + after }),
      cancelTimer: (key) => this.timers.get(id)?.delete(timerId(key)),
      now: () => this.now,
      random: () => rng,
      deliver: (d) => this.smr.onDelivery(id, d),
      suspect: (node, e) => this.suspects.push({ by: id, node, code: e.code }),
    };
  }

  start(): void {
    for (const r of this.replicas) r.start();
  }

  /** What replica `id` executed, as `seq:client.id,…` joined by `|`. */
  history(id: NodeId): string {
    return this.smr.history(id);
  }

  batches(id: NodeId): { seq: number; keys: string[] }[] {
    return (this.deliveries.get(id) ?? []).flatMap((d) =>
      d.kind === 'batch' ? [{ seq: d.seq, keys: d.requests.map((r) => `${r.client}:${r.requestId}`) }] : [],
    );
  }

  /** Deliver queued messages (FIFO, including those sent meanwhile) for which `keep` holds; drop the rest. */
  run(keep: (s: Sent) => boolean = () => true, stepsMax = 100_000): number {
    let steps = 0;
    while (this.queue.length > 0 && steps < stepsMax) {
      const s = this.queue.shift() as Sent;
      steps++;
      if (!keep(s) || this.isolated.has(s.to) || this.isolated.has(s.from)) continue;
      this.replicas[s.to]?.onMessage(s.from, s.msg);
      this.smr.transferState();
    }
    return steps;
  }

  /** Move the clock forward, firing timers as they fall due and delivering what they cause. */
  advance(ms: number, keep: (s: Sent) => boolean = () => true): void {
    const until = this.now + ms;
    this.run(keep);
    for (;;) {
      const next = nextDue(this.timers, until);
      if (next === undefined) break;
      this.now = Math.max(this.now, next.armed.dueMs);
      this.timers.get(next.id)?.delete(next.tid);
      // Isolation cuts the network only: a cut-off replica's timers run (what it sends is dropped).
      this.replicas[next.id]?.onTimer(next.armed.key);
      this.run(keep);
    }
    this.now = until;
  }
}

/** A client's request (Paxos does not check client authenticators: crash faults only). */
export function request(client: number, requestId: number): ClientRequest {
  return { client, requestId, lowWater: 0, readOnly: false, op: Uint8Array.of(requestId & 0xff), auth: [] };
}
