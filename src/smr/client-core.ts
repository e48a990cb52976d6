/**
 * The client side of a replicated service, as a pure state machine: many outstanding requests,
 * a result accepted on `replyQuorum` matching replies from distinct replicas, retransmission to
 * every replica on timeout with back-off, the leader learnt from replies, and a bounded number
 * of retries ending in a clear failure. The TCP runtime wraps it in promises; the simulator
 * drives it directly.
 */
import type { Env, Protocol, TimerKey } from '../core/env.js';
import type { NodeId } from '../core/ids.js';
import type { Wire } from './messages.js';
import type { Observation } from './observations.js';

export interface ClientOptions {
  readonly replicas: readonly NodeId[];
  /** Matching replies needed: f+1 under Byzantine faults, 1 under crash faults. */
  readonly replyQuorum: number;
  /** The first retransmission timeout; doubles up to retryMsMax. */
  readonly retryMs: number;
  readonly retryMsMax: number;
  /** Retransmissions before a request fails. */
  readonly retriesMax: number;
  /** Outstanding requests at most (must not exceed the replicas' client window). */
  readonly windowMax: number;
  /** The first request id: above any this client id used before (a restarted client picks a fresh base). */
  readonly firstRequestId: number;
}

interface Pending {
  readonly op: Uint8Array;
  readonly readOnly: boolean;
  attempt: number;
  /** replica → the result it sent. */
  readonly replies: Map<NodeId, Uint8Array>;
}

type ClientTimer = { kind: 'retry'; requestId: number; attempt: number };

export class ClientCore implements Protocol<Wire<unknown>, TimerKey> {
  private nextId: number;
  private readonly pending = new Map<number, Pending>();
  private leader: NodeId;
  private readonly replicaSet: ReadonlySet<NodeId>;

  constructor(
    private readonly env: Env<Wire<unknown>, TimerKey, Observation>,
    private readonly opts: ClientOptions,
  ) {
    this.nextId = opts.firstRequestId;
    this.leader = opts.replicas[0] ?? 0;
    this.replicaSet = new Set(opts.replicas);
  }

  start(): void {}

  get outstanding(): number {
    return this.pending.size;
  }

  canInvoke(): boolean {
    return this.pending.size < this.opts.windowMax;
  }

  /** Send a new request; returns its id, or undefined when the window is full (wait for a completion). */
  invoke(op: Uint8Array, readOnly = false): number | undefined {
    if (!this.canInvoke()) return undefined;
    const requestId = this.nextId++;
    this.pending.set(requestId, { op, readOnly, attempt: 0, replies: new Map() });
    this.env.deliver({ kind: 'invoked', client: this.env.self, requestId, op, readOnly, at: this.env.now() });
    this.transmit(requestId, [this.leader]);
    return requestId;
  }

  onMessage(from: NodeId, message: Wire<unknown>): void {
    if (message.kind !== 'reply' || !this.replicaSet.has(from)) return;
    const p = this.pending.get(message.requestId);
    if (p === undefined) return;
    p.replies.set(from, message.result);
    if (countMatching(p.replies, message.result) < this.opts.replyQuorum) return;
    if (this.replicaSet.has(message.leaderHint)) this.leader = message.leaderHint;
    this.settle(message.requestId);
    this.env.deliver({
      kind: 'completed',
      client: this.env.self,
      requestId: message.requestId,
      result: message.result,
      at: this.env.now(),
    });
  }

  onTimer(timer: TimerKey): void {
    const t = timer as ClientTimer;
    if (t.kind !== 'retry') return;
    const p = this.pending.get(t.requestId);
    if (p === undefined || p.attempt !== t.attempt) return;
    if (p.attempt >= this.opts.retriesMax) {
      this.settle(t.requestId);
      this.env.deliver({
        kind: 'failed',
        client: this.env.self,
        requestId: t.requestId,
        reason: `no ${this.opts.replyQuorum} matching replies after ${p.attempt + 1} transmissions`,
        at: this.env.now(),
      });
      return;
    }
    p.attempt++;
    // The leader did not answer in time: tell every replica, so a correct one pushes ordering on.
    this.transmit(t.requestId, this.opts.replicas);
  }

  private transmit(requestId: number, to: readonly NodeId[]): void {
    const p = this.pending.get(requestId);
    if (p === undefined) return;
    const msg: Wire<unknown> = {
      kind: 'request',
      client: this.env.self,
      requestId,
      lowWater: this.lowWater(),
      readOnly: p.readOnly,
      op: p.op,
    };
    for (const r of to) this.env.send(r, msg);
    const after = Math.min(this.opts.retryMs * 2 ** p.attempt, this.opts.retryMsMax);
    this.env.setTimer(after, { kind: 'retry', requestId, attempt: p.attempt });
  }

  private settle(requestId: number): void {
    const p = this.pending.get(requestId);
    if (p === undefined) return;
    this.pending.delete(requestId);
    this.env.cancelTimer({ kind: 'retry', requestId, attempt: p.attempt });
  }

  /** Every id below the oldest pending one is settled (completed or failed). */
  private lowWater(): number {
    let low = this.nextId;
    for (const id of this.pending.keys()) {
      low = id;
      break; // Map iterates in insertion order: the first key is the oldest pending id.
    }
    return low - 1;
  }
}

function countMatching(replies: Map<NodeId, Uint8Array>, result: Uint8Array): number {
  let n = 0;
  for (const r of replies.values()) if (equalBytes(r, result)) n++;
  return n;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
