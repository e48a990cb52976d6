// A hand-driven PBFT cluster for unit tests: n replicas, each with a recording Env, one FIFO
// queue of messages that the test delivers, drops or tampers with, timers fired by name or by a
// virtual clock, and a stand-in for smr that records deliveries and reports state digests at
// checkpoint seqs the way smr/replica-node.ts does.
import type { ClientRequest, Env, OrderingDelivery, OrderingProtocol, TimerKey } from '../../src/core/env.js';
import { timerId } from '../../src/core/env.js';
import type { NodeId } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { pbft, type PbftMessage } from '../../src/protocols/pbft/index.js';
import type { PbftReplica } from '../../src/protocols/pbft/replica.js';
import { authenticateRequest } from '../../src/smr/request-auth.js';
import { SmrStandIn } from './smr-stand-in.js';
import { nextDue, type Armed } from './virtual-timers.js';

export interface Sent {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: PbftMessage;
}

export interface ClusterOptions {
  readonly n: number;
  readonly tuning?: Record<string, number>;
  /** Clients' ids start here. */
  readonly clientBase?: number;
}

export class Cluster {
  readonly n: number;
  readonly f: number;
  readonly ids: NodeId[];
  readonly keyring: NoneKeyring;
  readonly replicas: PbftReplica[] = [];
  readonly queue: Sent[] = [];
  readonly suspects: { by: NodeId; node: NodeId; code: string }[] = [];
  readonly logs: { node: NodeId; event: string }[] = [];
  readonly timers = new Map<NodeId, Map<string, Armed>>();
  /** Nodes whose incoming and outgoing messages are dropped. */
  readonly isolated = new Set<NodeId>();
  readonly tuning: Record<string, number>;
  now = 0;
  /** smr's part: deliveries recorded, batches executed, state transferred (smr-stand-in.ts). */
  readonly smr: SmrStandIn = new SmrStandIn({
    replica: (id) => this.replicas[id] as OrderingProtocol<unknown> | undefined,
    digest: (id, bytes) => this.keyring.suiteFor(id).digest(bytes),
    checkpointInterval: () => this.tuning['checkpointInterval'] ?? 128,
    isolated: this.isolated,
  });
  readonly deliveries = this.smr.deliveries;

  constructor(opts: ClusterOptions) {
    this.n = opts.n;
    this.f = Math.floor((opts.n - 1) / 3);
    this.ids = Array.from({ length: opts.n }, (_, i) => i);
    this.keyring = NoneKeyring.fromSeed(7, [...this.ids, 1000, 1001, 1002]);
    this.tuning = opts.tuning ?? {};
    for (const id of this.ids) this.replicas.push(this.create(id));
  }

  /** A fresh replica object for `id` (a restart with amnesia when it replaces an old one). */
  create(id: NodeId): PbftReplica {
    this.smr.reset(id);
    this.timers.set(id, new Map());
    const env = this.envFor(id);
    const config = { members: this.ids, f: this.f, role: 'active' as const, tuning: this.tuning };
    return pbft.create(env, config) as PbftReplica;
  }

  restart(id: NodeId): PbftReplica {
    const r = this.create(id);
    this.replicas[id] = r;
    r.start();
    return r;
  }

  private envFor(id: NodeId): Env<PbftMessage, TimerKey, OrderingDelivery> {
    const push = (to: NodeId, msg: PbftMessage) => {
      if (!this.isolated.has(id) && !this.isolated.has(to)) this.queue.push({ from: id, to, msg });
    };
    return {
      self: id,
      crypto: this.keyring.suiteFor(id),
      log: { log: (_level, event) => this.logs.push({ node: id, event: `${event}@${this.now}` }) },
      send: (to, msg) => push(to, msg),
      broadcast: (msg) => {
        for (const to of this.ids) if (to !== id) push(to, msg);
      },
      setTimer: (after, key) => this.timers.get(id)?.set(timerId(key), { key, dueMs: this.now + after }),
      cancelTimer: (key) => this.timers.get(id)?.delete(timerId(key)),
      now: () => this.now,
      random: () => new SeededRng(id + 1),
      deliver: (d) => this.smr.onDelivery(id, d),
      suspect: (node, e) => this.suspects.push({ by: id, node, code: e.code }),
    };
  }

  start(): void {
    for (const r of this.replicas) r.start();
  }

  batches(id: NodeId): { seq: number; keys: string[] }[] {
    return (this.deliveries.get(id) ?? [])
      .filter((d) => d.kind === 'batch')
      .map((d) => ({
        seq: d.seq,
        keys: d.kind === 'batch' ? d.requests.map((r) => `${r.client}:${r.requestId}`) : [],
      }));
  }

  /** Deliver queued messages (FIFO, including those sent meanwhile) for which `keep` holds; drop the rest. */
  run(keep: (s: Sent) => boolean = () => true, stepsMax = 100_000): number {
    let steps = 0;
    while (this.queue.length > 0 && steps < stepsMax) {
      const s = this.queue.shift() as Sent;
      steps++;
      if (!keep(s) || this.isolated.has(s.to)) continue;
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
      if (!this.isolated.has(next.id)) this.replicas[next.id]?.onTimer(next.armed.key);
      this.run(keep);
    }
    this.now = until;
  }

  /** Fire one armed timer of a kind at a node now (returns whether there was one). */
  fire(id: NodeId, kind: string): boolean {
    const timers = this.timers.get(id) as Map<string, Armed>;
    for (const [tid, armed] of timers) {
      if (armed.key.kind !== kind) continue;
      timers.delete(tid);
      this.replicas[id]?.onTimer(armed.key);
      return true;
    }
    return false;
  }

  armed(id: NodeId, kind: string): Armed | undefined {
    for (const armed of this.timers.get(id)?.values() ?? []) if (armed.key.kind === kind) return armed;
    return undefined;
  }

  sentBy(from: NodeId, kind: PbftMessage['kind']): Sent[] {
    return this.queue.filter((s) => s.from === from && s.msg.kind === kind);
  }
}

/**
 * The keys of the harness's world (NoneKeyring secrets depend on the seed and the id only, so
 * this keyring agrees with every Cluster's), for clients' authenticators: MACs for replicas
 * 0..AUTH_REPLICAS-1, enough for any cluster the tests build (extra entries are never read).
 */
const AUTH_REPLICAS = 16;
const clientKeys = NoneKeyring.fromSeed(7, [
  ...Array.from({ length: AUTH_REPLICAS }, (_, i) => i),
  1000,
  1001,
  1002,
]);

/** A request as its client sends it: with a valid authenticator for every replica (smr/request-auth.ts). */
export function request(client: number, requestId: number, op = requestId): ClientRequest {
  const core = { client, requestId, lowWater: 0, readOnly: false, op: Uint8Array.of(op) };
  const replicas = Array.from({ length: AUTH_REPLICAS }, (_, i) => i);
  return { ...core, auth: authenticateRequest(clientKeys.suiteFor(client), replicas, core) };
}
