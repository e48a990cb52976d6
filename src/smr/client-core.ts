/**
 * The client side of a replicated service, as a pure state machine: many outstanding requests,
 * a result accepted on `replyQuorum` matching replies from distinct replicas, retransmission to
 * every replica on timeout with back-off, the leader learnt from replies, and a bounded number
 * of retries ending in a clear failure. Read-only requests first go to every replica and are
 * accepted on `readQuorum` matching read-only replies, falling back to ordering (read-only.ts).
 * The TCP runtime wraps it in promises; the simulator drives it directly.
 */
import type { Env, Protocol, TimerKey } from '../core/env.js';
import type { NodeId } from '../core/ids.js';
import type { Wire, WireReply } from './messages.js';
import type { Observation } from './observations.js';
import { canStillAgree } from './read-only.js';
import { authenticateRequest, type RequestCore } from './request-auth.js';
import { bytesEqual } from '../core/bytes.js';

/**
 * Matching replies that settle an ordered request. Alone that is `replyQuorum` (f+1: one correct
 * replica vouches for the result). With unordered reads it must be more: a write that completed
 * and a later read must share a correct replica, or a read could miss a completed write (f lying
 * replicas plus correct ones that have not executed it yet can agree on the old value). With f
 * liars (replyQuorum - 1), write quorum w and read quorum r over n replicas, the correct
 * replicas behind each intersect when w + r > n + f; for PBFT (n = 3f+1, r = 2f+1) w = 2f+1.
 */
export function orderedQuorumFor(o: Pick<ClientOptions, 'replicas' | 'replyQuorum' | 'readQuorum'>): number {
  if (o.readQuorum === undefined) return o.replyQuorum;
  const liars = o.replyQuorum - 1;
  return Math.max(o.replyQuorum, o.replicas.length + liars + 1 - o.readQuorum);
}

/** Settled results kept to judge late replies (bounded: memory must not grow with the run). */
const RECENT_MAX = 1024;

export interface ClientOptions {
  /** The group's members in rank order: the order of the MACs in every request's authenticator. */
  readonly replicas: readonly NodeId[];
  /** Matching replies needed: f+1 under Byzantine faults, 1 under crash faults. */
  readonly replyQuorum: number;
  /**
   * Matching read-only replies that settle a read-only request without ordering: 2f+1 under
   * Byzantine faults (read-only.ts, readQuorumOf). Absent: read-only requests are ordered.
   */
  readonly readQuorum?: number;
  /** How long a read-only request waits for its read quorum before it is ordered (default retryMs). */
  readonly readTimeoutMs?: number;
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
  /** 'read': sent to every replica as read-only, waiting for a read quorum; 'ordered': being ordered. */
  phase: 'read' | 'ordered';
  attempt: number;
  /** replica → the result it sent (in the current phase). */
  replies: Map<NodeId, Uint8Array>;
  /**
   * The authenticator last sent, and the lowWater and phase it covers: computed once and reused
   * by every retransmission until one of them changes (the lowWater rises, or a read is ordered).
   */
  signed?: { readonly lowWater: number; readonly readOnly: boolean; readonly auth: Uint8Array[] };
}

type ClientTimer =
  { kind: 'retry'; requestId: number; attempt: number } | { kind: 'read'; requestId: number };

export class ClientCore implements Protocol<Wire<unknown>, TimerKey> {
  private nextId: number;
  private readonly pending = new Map<number, Pending>();
  private leader: NodeId;
  /** Ordered replies per replica that disagreed with the result a quorum agreed on (outvoted lies). */
  readonly outvoted = new Map<NodeId, number>();
  /** Results of recently settled ordered requests, to judge replies that arrive after the quorum. */
  private readonly recent = new Map<number, Uint8Array>();
  /** Matching replies that settle an ordered request (orderedQuorumFor). */
  private readonly orderedQuorum: number;
  private readonly replicaSet: ReadonlySet<NodeId>;

  constructor(
    private readonly env: Env<Wire<unknown>, TimerKey, Observation>,
    private readonly opts: ClientOptions,
  ) {
    this.nextId = opts.firstRequestId;
    this.leader = opts.replicas[0] ?? 0;
    this.replicaSet = new Set(opts.replicas);
    this.orderedQuorum = orderedQuorumFor(opts);
  }

  start(): void {}

  get outstanding(): number {
    return this.pending.size;
  }

  /**
   * A new request fits if fewer than windowMax are pending and the ids from the oldest pending
   * one to the next stay within windowMax: replicas track a window of ids, not of requests, so
   * one slow request must not let the ids run past what they accept.
   */
  canInvoke(): boolean {
    if (this.pending.size >= this.opts.windowMax) return false;
    const oldest = this.pending.keys().next();
    return oldest.done === true || this.nextId - (oldest.value as number) < this.opts.windowMax;
  }

  /** Send a new request; returns its id, or undefined when the window is full (wait for a completion). */
  invoke(op: Uint8Array, readOnly = false): number | undefined {
    if (!this.canInvoke()) return undefined;
    const requestId = this.nextId++;
    const quorum = this.opts.readQuorum;
    const unordered = readOnly && quorum !== undefined && quorum >= 1 && quorum <= this.opts.replicas.length;
    const phase = unordered ? 'read' : 'ordered';
    this.pending.set(requestId, { op, phase, attempt: 0, replies: new Map() });
    this.env.deliver({ kind: 'invoked', client: this.env.self, requestId, op, readOnly, at: this.env.now() });
    if (phase === 'read') this.sendRead(requestId);
    else this.transmit(requestId, [this.leader]);
    return requestId;
  }

  onMessage(from: NodeId, message: Wire<unknown>): void {
    if (message.kind !== 'reply' || !this.replicaSet.has(from)) return;
    const p = this.pending.get(message.requestId);
    if (p === undefined) return this.onLateReply(from, message);
    // A reply counts only in its own phase: a read-only answer never settles an ordered request.
    if (message.readOnly !== (p.phase === 'read')) return;
    p.replies.set(from, message.result);
    if (p.phase === 'read') return this.onReadReply(message.requestId, p, message);
    if (countMatching(p.replies, message.result) < this.orderedQuorum) return;
    if (this.replicaSet.has(message.leaderHint)) this.leader = message.leaderHint;
    this.complete(message.requestId, message.result, false);
  }

  onTimer(timer: TimerKey): void {
    const t = timer as ClientTimer;
    const p = this.pending.get(t.requestId);
    if (p === undefined) return;
    if (t.kind === 'read') {
      if (p.phase === 'read') this.order(t.requestId, p);
      return;
    }
    if (t.kind !== 'retry' || p.phase !== 'ordered' || p.attempt !== t.attempt) return;
    if (p.attempt >= this.opts.retriesMax) {
      this.settle(t.requestId);
      this.env.deliver({
        kind: 'failed',
        client: this.env.self,
        requestId: t.requestId,
        reason: `no ${this.orderedQuorum} matching replies after ${p.attempt + 1} transmissions`,
        at: this.env.now(),
      });
      return;
    }
    p.attempt++;
    // The leader did not answer in time: tell every replica, so a correct one pushes ordering on.
    this.transmit(t.requestId, this.opts.replicas);
  }

  private onReadReply(requestId: number, p: Pending, m: WireReply): void {
    const quorum = this.opts.readQuorum as number;
    if (countMatching(p.replies, m.result) >= quorum) return this.complete(requestId, m.result, true);
    // Replicas answered from different states (a concurrent write): no need to wait for the timeout.
    if (!canStillAgree(p.replies, this.opts.replicas.length, quorum)) this.order(requestId, p);
  }

  /** Fall back: order the same operation under the same id (it was never ordered, so it executes once). */
  private order(requestId: number, p: Pending): void {
    this.env.cancelTimer({ kind: 'read', requestId });
    p.phase = 'ordered';
    p.replies = new Map();
    this.transmit(requestId, [this.leader]);
  }

  private sendRead(requestId: number): void {
    this.send(requestId, this.opts.replicas);
    this.env.setTimer(this.opts.readTimeoutMs ?? this.opts.retryMs, { kind: 'read', requestId });
  }

  private transmit(requestId: number, to: readonly NodeId[]): void {
    const p = this.pending.get(requestId);
    if (p === undefined) return;
    this.send(requestId, to);
    const after = Math.min(this.opts.retryMs * 2 ** p.attempt, this.opts.retryMsMax);
    this.env.setTimer(after, { kind: 'retry', requestId, attempt: p.attempt });
  }

  private send(requestId: number, to: readonly NodeId[]): void {
    const p = this.pending.get(requestId);
    if (p === undefined) return;
    const core = {
      client: this.env.self,
      requestId,
      lowWater: this.lowWater(),
      readOnly: p.phase === 'read',
      op: p.op,
    };
    const msg: Wire<unknown> = { kind: 'request', ...core, auth: this.authFor(p, core) };
    for (const r of to) this.env.send(r, msg);
  }

  /** The authenticator of this transmission (request-auth.ts): the last one while it still covers it. */
  private authFor(p: Pending, core: RequestCore): Uint8Array[] {
    const s = p.signed;
    if (s !== undefined && s.lowWater === core.lowWater && s.readOnly === core.readOnly) return s.auth;
    const auth = authenticateRequest(this.env.crypto, this.opts.replicas, core);
    p.signed = { lowWater: core.lowWater, readOnly: core.readOnly, auth };
    return auth;
  }

  private complete(requestId: number, result: Uint8Array, readOnly: boolean): void {
    const p = this.pending.get(requestId);
    // Evidence for operators: an ordered reply that disagrees with the accepted result is a lie
    // (read-only replies may differ honestly, under concurrent writes).
    if (p !== undefined && !readOnly) {
      for (const [replica, r] of p.replies) if (!bytesEqual(r, result)) this.countOutvoted(replica);
      this.recent.set(requestId, result);
      if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value as number);
    }
    this.settle(requestId);
    this.env.deliver({
      kind: 'completed',
      client: this.env.self,
      requestId,
      result,
      at: this.env.now(),
      ...(readOnly ? { readOnly: true } : {}),
    });
  }

  /** A reply after the request settled: compared with the accepted result while it is remembered. */
  private onLateReply(from: NodeId, m: Extract<Wire<unknown>, { kind: 'reply' }>): void {
    const accepted = this.recent.get(m.requestId);
    if (accepted !== undefined && !m.readOnly && !bytesEqual(accepted, m.result)) this.countOutvoted(from);
  }

  private countOutvoted(replica: NodeId): void {
    this.outvoted.set(replica, (this.outvoted.get(replica) ?? 0) + 1);
  }

  private settle(requestId: number): void {
    const p = this.pending.get(requestId);
    if (p === undefined) return;
    this.pending.delete(requestId);
    if (p.phase === 'read') this.env.cancelTimer({ kind: 'read', requestId });
    else this.env.cancelTimer({ kind: 'retry', requestId, attempt: p.attempt });
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
  for (const r of replies.values()) if (bytesEqual(r, result)) n++;
  return n;
}
