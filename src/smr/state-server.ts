/**
 * The serving side of state transfer: a replica answers its peers' state queries from the
 * immutable snapshots of its checkpoints (checkpoints.ts), so it serves checkpoint s while its
 * own execution has moved on. Each answer is bounded (at most `chunkBytes` of page data, at most
 * stateLimits.piecesMax pieces) and each requester is rate-limited by a token bucket, so one
 * peer cannot make a replica spend its time or bandwidth on state transfer.
 */
import type { Evidence, Logger, TimerKey } from '../core/env.js';
import type { NodeId } from '../core/ids.js';
import type { CryptoSuite } from '../core/crypto-suite.js';
import type { Checkpointer, Snapshot } from './checkpoints.js';
import { equalDigests } from './merkle.js';
import { stateLimits, type PagePiece, type StateMessage, type StateQuery } from './messages.js';

/** What the state-transfer pieces need from the replica's Env. */
export interface StateEnv {
  readonly self: NodeId;
  readonly crypto: CryptoSuite;
  readonly log: Logger;
  send(to: NodeId, message: StateMessage): void;
  setTimer(afterMs: number, timer: TimerKey): void;
  cancelTimer(timer: TimerKey): void;
  now(): number;
  suspect(node: NodeId, evidence: Evidence): void;
}

export interface StateServerOptions {
  /** Page data in one answer at most (bytes); a larger page goes out in fragments. */
  readonly chunkBytes: number;
  /** Queries per second a requester may make, on average, and in one burst. */
  readonly queriesPerSecond: number;
  readonly queriesBurst: number;
}

export const defaultStateServerOptions: StateServerOptions = {
  chunkBytes: 1024 * 1024,
  queriesPerSecond: 500,
  queriesBurst: 32,
};

interface Bucket {
  tokens: number;
  atMs: number;
}

export class StateServer {
  private readonly buckets = new Map<NodeId, Bucket>();
  private readonly members: ReadonlySet<NodeId>;
  private readonly chunkBytes: number;

  constructor(
    private readonly env: StateEnv,
    private readonly checkpoints: Checkpointer,
    members: readonly NodeId[],
    private readonly opts: StateServerOptions = defaultStateServerOptions,
  ) {
    this.members = new Set(members);
    this.chunkBytes = Math.max(1, Math.min(opts.chunkBytes, stateLimits.pieceBytesMax));
  }

  onQuery(from: NodeId, q: StateQuery): void {
    // Only the group's replicas fetch state; a client or a stranger gets nothing.
    if (!this.members.has(from) || from === this.env.self) return;
    // Over its rate: dropped, as a lost message would be; the requester times out and asks elsewhere.
    if (!this.admit(from)) return;
    const snap = this.checkpoints.get(q.seq);
    const held = snap !== undefined && equalDigests(snap.digest, q.digest) ? snap : undefined;
    if (held !== undefined) held.servedAtMs = this.env.now();
    if (q.pieces.length === 0) {
      this.env.send(from, {
        kind: 'state-digests',
        seq: q.seq,
        digest: q.digest,
        leaves: [...(held?.leaves ?? [])],
      });
      return;
    }
    const pieces = held === undefined ? [] : this.cut(held, q.pieces);
    this.env.send(from, { kind: 'state-pages', seq: q.seq, digest: q.digest, pieces });
  }

  /** The pieces asked for, in the order asked, until the answer holds chunkBytes of data. */
  private cut(snap: Snapshot, wanted: StateQuery['pieces']): PagePiece[] {
    const out: PagePiece[] = [];
    let budget = this.chunkBytes;
    for (const w of wanted) {
      const page = snap.pages[w.index];
      if (page === undefined || w.offset > page.byteLength) continue;
      const take = Math.min(page.byteLength - w.offset, budget);
      if (take === 0 && page.byteLength > w.offset) break;
      out.push({
        index: w.index,
        offset: w.offset,
        total: page.byteLength,
        data: page.subarray(w.offset, w.offset + take),
      });
      budget -= take;
      if (budget === 0) break;
    }
    return out;
  }

  /** A token bucket per requester (requesters are the group's replicas, so the map is bounded). */
  private admit(from: NodeId): boolean {
    const now = this.env.now();
    const b = this.buckets.get(from) ?? { tokens: this.opts.queriesBurst, atMs: now };
    const refill = (Math.max(0, now - b.atMs) * this.opts.queriesPerSecond) / 1000;
    b.tokens = Math.min(this.opts.queriesBurst, b.tokens + refill);
    b.atMs = now;
    this.buckets.set(from, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
