/**
 * Bounded stores of a PBFT replica: the signed checkpoint messages collected towards stable
 * checkpoints (OSDI §4.3), and the client requests waiting to be ordered or executed (§4.1,
 * §4.5.2), with the forwarded copies the primary counts before it trusts one.
 */
import type { ClientRequest } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { Checkpoint } from './messages.js';
import { hex } from '../../core/bytes.js';

export function requestKey(r: { client: NodeId; requestId: number }): string {
  return `${r.client}:${r.requestId}`;
}

/** Signed checkpoint messages by seq and sender; each sender keeps at most `perReplicaMax` seqs. */
export class CheckpointVotes {
  private readonly bySeq = new Map<number, Map<NodeId, Checkpoint>>();
  private readonly seqsOf = new Map<NodeId, number[]>();

  constructor(private readonly perReplicaMax: number) {}

  /** Adds a verified message: 'conflict' if its sender signed another digest for that seq. */
  add(m: Checkpoint): 'added' | 'duplicate' | 'conflict' {
    let votes = this.bySeq.get(m.seq);
    const old = votes?.get(m.replica);
    if (old !== undefined) return hex(old.digest) === hex(m.digest) ? 'duplicate' : 'conflict';
    if (votes === undefined) {
      votes = new Map();
      this.bySeq.set(m.seq, votes);
    }
    votes.set(m.replica, m);
    const seqs = this.seqsOf.get(m.replica) ?? [];
    seqs.push(m.seq);
    seqs.sort((a, b) => a - b);
    // A sender's oldest entries go first: what matters is the newest checkpoints.
    while (seqs.length > this.perReplicaMax) this.bySeq.get(seqs.shift() as number)?.delete(m.replica);
    this.seqsOf.set(m.replica, seqs);
    return 'added';
  }

  /** The messages for (seq, digest). */
  matching(seq: number, digestHex: string): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (const m of this.bySeq.get(seq)?.values() ?? []) if (hex(m.digest) === digestHex) out.push(m);
    return out;
  }

  discardBelow(seq: number): void {
    for (const s of this.bySeq.keys()) if (s < seq) this.bySeq.delete(s);
    for (const [r, seqs] of this.seqsOf) {
      const kept = seqs.filter((s) => s >= seq);
      if (kept.length === 0) this.seqsOf.delete(r);
      else this.seqsOf.set(r, kept);
    }
  }
}

interface Pending {
  readonly request: ClientRequest;
  sinceMs: number;
}

interface Forwarded {
  readonly votes: Set<NodeId>;
  request: ClientRequest;
}

/**
 * Client requests this replica received and has not seen executed. Insertion order is age
 * order (`sinceMs` is set on arrival, or for all at once when a view starts), so the first is
 * the oldest.
 */
export class RequestQueue {
  private readonly pending = new Map<string, Pending>();
  private readonly byClient = new Map<NodeId, Set<string>>();
  /** Keys the primary put in a batch of this view that has not executed yet. */
  private readonly inFlight = new Set<string>();
  /** key → seq, for requests executed above the stable checkpoint. */
  private readonly executed = new Map<string, number>();
  /** The primary's count of forwarded copies: content key → voters and the request (lowest lowWater). */
  private readonly forwards = new Map<string, Forwarded>();

  constructor(
    private readonly pendingMax: number,
    private readonly forwardsMax: number,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Requests not in a batch yet. */
  get unbatched(): number {
    return this.pending.size - this.inFlight.size;
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  isExecuted(key: string): boolean {
    return this.executed.has(key);
  }

  /** Adds a request; false if it was already waiting, or executed, or there is no room. */
  add(r: ClientRequest, nowMs: number): boolean {
    const key = requestKey(r);
    if (this.pending.has(key) || this.executed.has(key)) return false;
    this.settle(r.client, r.lowWater);
    if (this.pending.size >= this.pendingMax) return false;
    this.pending.set(key, { request: r, sinceMs: nowMs });
    let keys = this.byClient.get(r.client);
    if (keys === undefined) {
      keys = new Set();
      this.byClient.set(r.client, keys);
    }
    keys.add(key);
    return true;
  }

  /** The client says every id at or below `lowWater` is settled: those wait no more. */
  private settle(client: NodeId, lowWater: number): void {
    const keys = this.byClient.get(client);
    if (keys === undefined) return;
    for (const key of keys) {
      const p = this.pending.get(key);
      if (p !== undefined && p.request.requestId <= lowWater) this.remove(key);
    }
  }

  private remove(key: string): void {
    const p = this.pending.get(key);
    if (p === undefined) return;
    this.pending.delete(key);
    this.inFlight.delete(key);
    const keys = this.byClient.get(p.request.client);
    keys?.delete(key);
    if (keys?.size === 0) this.byClient.delete(p.request.client);
  }

  /** When the oldest waiting request arrived (only those in a batch, if `batchedOnly`). */
  oldestSinceMs(batchedOnly = false): number | undefined {
    for (const [key, p] of this.pending) if (!batchedOnly || this.inFlight.has(key)) return p.sinceMs;
    return undefined;
  }

  /** A new view: every waiting request gets a full timeout again, and nothing is in flight. */
  restart(nowMs: number): void {
    for (const p of this.pending.values()) p.sinceMs = nowMs;
    this.inFlight.clear();
  }

  /** After a state transfer: executed requests may still look pending, so forget all (clients retransmit). */
  clear(): void {
    this.pending.clear();
    this.byClient.clear();
    this.inFlight.clear();
  }

  markInFlight(requests: readonly ClientRequest[]): void {
    for (const r of requests) if (this.pending.has(requestKey(r))) this.inFlight.add(requestKey(r));
  }

  /** The primary cuts a batch: the oldest requests not yet in one, within the bounds. */
  takeBatch(countMax: number, bytesMax: number): ClientRequest[] {
    const out: ClientRequest[] = [];
    let bytes = 0;
    for (const [key, p] of this.pending) {
      if (out.length >= countMax) break;
      if (this.inFlight.has(key)) continue;
      const size = p.request.op.byteLength;
      if (out.length > 0 && bytes + size > bytesMax) break;
      bytes += size;
      out.push(p.request);
      this.inFlight.add(key);
    }
    return out;
  }

  /** Oldest waiting requests, at most `max` (forwarded to a new primary). */
  oldest(max: number): ClientRequest[] {
    const out: ClientRequest[] = [];
    for (const p of this.pending.values()) {
      if (out.length >= max) break;
      out.push(p.request);
    }
    return out;
  }

  onExecuted(seq: number, requests: readonly ClientRequest[]): void {
    for (const r of requests) {
      const key = requestKey(r);
      this.remove(key);
      this.executed.set(key, seq);
    }
  }

  discardExecutedUpTo(h: number): void {
    for (const [key, seq] of this.executed) if (seq <= h) this.executed.delete(key);
  }

  /**
   * The primary counts a forwarded copy; it returns the request once `needed` replicas forwarded
   * the same content (then one correct replica received it from its client). Copies may differ
   * in lowWater only (a retransmission raises it): the lowest is kept, since claiming less is
   * always safe.
   */
  forward(from: NodeId, r: ClientRequest, contentKey: string, needed: number): ClientRequest | undefined {
    const key = `${requestKey(r)}/${contentKey}`;
    let f = this.forwards.get(key);
    if (f === undefined) {
      if (this.forwards.size >= this.forwardsMax) {
        const oldest = this.forwards.keys().next().value;
        if (oldest !== undefined) this.forwards.delete(oldest);
      }
      f = { votes: new Set(), request: r };
      this.forwards.set(key, f);
    }
    f.votes.add(from);
    if (r.lowWater < f.request.lowWater) f.request = r;
    if (f.votes.size < needed) return undefined;
    this.forwards.delete(key);
    return f.request;
  }
}
