/**
 * The message log (OSDI §4.2, §4.3): one slot per sequence number between the watermarks,
 * h < seq <= h + L, so its size is bounded by L whatever peers send. A slot holds the normal-case
 * state of the current view (pre-prepare, prepares, commits) and what outlives a view: the P and
 * Q entries a view-change reports (§4.4), the batches by digest, the decision once committed, and
 * the decided-claims of catch-up.
 */
import type { ClientRequest } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { Commit, PrePrepare, Prepare } from './messages.js';

export interface ViewEntry {
  readonly digest: Uint8Array;
  readonly hex: string;
  readonly view: number;
}

export interface Slot {
  readonly seq: number;
  /** The view the normal-case fields below belong to. */
  view: number;
  /** The accepted pre-prepare's digest (hex) in `view`, from a pre-prepare or a new-view. */
  ppHex: string | undefined;
  ppDigest: Uint8Array | undefined;
  /** The pre-prepare message as received (relayed to peers that lack it); undefined if from a new-view. */
  pp: PrePrepare | undefined;
  /** sender → digest (hex) of its prepare / commit in `view`. */
  readonly prepares: Map<NodeId, string>;
  readonly commits: Map<NodeId, string>;
  sentPrepare: Prepare | undefined;
  sentCommit: Commit | undefined;
  prepared: boolean;
  committed: boolean;
  /** P: prepared here, in the latest view. */
  p: ViewEntry | undefined;
  /** Q: digest (hex) → pre-prepared here, in the latest view for that digest. */
  readonly q: Map<string, ViewEntry>;
  /** Batches known for this seq, by digest (hex). */
  readonly batches: Map<string, readonly ClientRequest[]>;
  /** The committed batch's digest: final once set. */
  decided: Uint8Array | undefined;
  decidedHex: string | undefined;
  /** Catch-up: sender → digest (hex) it says committed here. */
  readonly claims: Map<NodeId, string>;
}

function newSlot(seq: number, view: number): Slot {
  return {
    seq,
    view,
    ppHex: undefined,
    ppDigest: undefined,
    pp: undefined,
    prepares: new Map(),
    commits: new Map(),
    sentPrepare: undefined,
    sentCommit: undefined,
    prepared: false,
    committed: false,
    p: undefined,
    q: new Map(),
    batches: new Map(),
    decided: undefined,
    decidedHex: undefined,
    claims: new Map(),
  };
}

export class Log {
  private readonly slots = new Map<number, Slot>();

  get size(): number {
    return this.slots.size;
  }

  get(seq: number): Slot | undefined {
    return this.slots.get(seq);
  }

  /** The slot for `seq` with its normal-case state for `view` (reset when the view moved on). */
  at(seq: number, view: number): Slot {
    let s = this.slots.get(seq);
    if (s === undefined) {
      s = newSlot(seq, view);
      this.slots.set(seq, s);
    } else if (s.view < view) {
      resetView(s, view);
    }
    return s;
  }

  /** The slot for `seq`, created for `view` if missing, its normal-case state left as it is. */
  ensure(seq: number, view: number): Slot {
    let s = this.slots.get(seq);
    if (s === undefined) {
      s = newSlot(seq, view);
      this.slots.set(seq, s);
    }
    return s;
  }

  /** Slots in ascending seq order (the log is small: at most L). */
  ordered(): Slot[] {
    return [...this.slots.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Garbage collection below a stable checkpoint (OSDI §4.3). */
  discardUpTo(h: number): void {
    for (const seq of this.slots.keys()) if (seq <= h) this.slots.delete(seq);
  }
}

function resetView(s: Slot, view: number): void {
  s.view = view;
  s.ppHex = undefined;
  s.ppDigest = undefined;
  s.pp = undefined;
  s.prepares.clear();
  s.commits.clear();
  s.sentPrepare = undefined;
  s.sentCommit = undefined;
  s.prepared = false;
  s.committed = false;
}

/** Record that `digest` pre-prepared at this slot in `view` (Q), keeping at most `max` digests. */
export function notePrePrepared(
  s: Slot,
  hexDigest: string,
  digest: Uint8Array,
  view: number,
  max: number,
): void {
  const old = s.q.get(hexDigest);
  if (old !== undefined && old.view >= view) return;
  s.q.set(hexDigest, { digest, hex: hexDigest, view });
  if (s.q.size <= max) return;
  // Drop the oldest view's digest, never the one prepared here (P) nor the one just added.
  let victim: string | undefined;
  let lowest = Infinity;
  for (const [k, e] of s.q) {
    if (k === hexDigest || k === s.p?.hex) continue;
    if (e.view < lowest) {
      lowest = e.view;
      victim = k;
    }
  }
  if (victim !== undefined) s.q.delete(victim);
}

/** How many of `votes` name `hexDigest`. */
export function countVotes(votes: ReadonlyMap<NodeId, string>, hexDigest: string): number {
  let n = 0;
  for (const v of votes.values()) if (v === hexDigest) n++;
  return n;
}
