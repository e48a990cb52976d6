/**
 * What a new view must contain, decided from a set S of view-change messages (a pure function:
 * the new primary runs it to build the new-view, and every replica runs it again on the S the
 * new-view carries and rejects the new-view if the answers differ).
 *
 * Checkpoint (OSDI §4.4, min-s): the highest stable checkpoint that some message in S proves.
 * Requests (TOCS, the view change without signatures on prepares, its decision procedure), for
 * each n above it up to the highest prepared entry in S:
 *   A. the batch d with ⟨n, d, v⟩ in some m.P such that
 *      A1. at least 2f+1 messages m' in S have, for n, no P entry or one with view < v, or with
 *          view v and digest d (every message here has m'.h < n, as h is the highest), and
 *      A2. at least f+1 messages m' in S have ⟨n, d, v'⟩ in m'.Q with v' >= v;
 *   B. else the null request if at least 2f+1 messages in S have no P entry for n;
 *   else S does not decide yet (the primary waits for more view-changes; more never hurt).
 * Candidates for A are tried in a fixed order (highest view first, then digest), so the answer
 * is a function of S alone. Nulls after the last request chosen by A are dropped: nothing can
 * have committed there, and the new primary numbers fresh batches from max-s + 1.
 */
import type { CheckpointSig, Entry, SlotAssignment, ViewChangeBody } from './messages.js';
import { hex } from '../../core/bytes.js';

export interface DecisionParams {
  readonly f: number;
  readonly logSize: number;
  readonly nullDigest: Uint8Array;
}

export interface Decision {
  readonly checkpoint: {
    readonly seq: number;
    readonly digest: Uint8Array;
    readonly proof: readonly CheckpointSig[];
  };
  readonly slots: readonly SlotAssignment[];
  /** max-s: the last seq the new view assigns (the checkpoint's if none). */
  readonly maxSeq: number;
}

interface Indexed {
  readonly p: Map<number, Entry>;
  readonly q: Map<number, Entry[]>;
}

function index(vc: ViewChangeBody, low: number, high: number): Indexed {
  const p = new Map<number, Entry>();
  for (const e of vc.prepared) if (e.seq > low && e.seq <= high) p.set(e.seq, e);
  const q = new Map<number, Entry[]>();
  for (const e of vc.prePrepared) {
    if (e.seq <= low || e.seq > high) continue;
    const list = q.get(e.seq) ?? [];
    list.push(e);
    q.set(e.seq, list);
  }
  return { p, q };
}

export function decideNewView(s: readonly ViewChangeBody[], params: DecisionParams): Decision | undefined {
  if (s.length === 0) return undefined;
  let best = s[0] as ViewChangeBody;
  for (const vc of s) if (vc.stableSeq > best.stableSeq) best = vc;
  const low = best.stableSeq;
  const high = low + params.logSize;
  const indexed = s.map((vc) => index(vc, low, high));
  let maxP = low;
  for (const ix of indexed) for (const seq of ix.p.keys()) maxP = Math.max(maxP, seq);
  const chosen = new Map<number, Uint8Array>();
  let maxA = low;
  for (let n = low + 1; n <= maxP; n++) {
    const a = chooseA(n, indexed, params.f);
    if (a !== undefined) {
      chosen.set(n, a);
      maxA = n;
    } else if (indexed.filter((ix) => !ix.p.has(n)).length >= 2 * params.f + 1) {
      chosen.set(n, params.nullDigest);
    } else {
      return undefined;
    }
  }
  const slots: SlotAssignment[] = [];
  for (let n = low + 1; n <= maxA; n++) slots.push({ seq: n, digest: chosen.get(n) as Uint8Array });
  return {
    checkpoint: { seq: low, digest: best.stableDigest, proof: best.proof },
    slots,
    maxSeq: maxA,
  };
}

function chooseA(n: number, indexed: readonly Indexed[], f: number): Uint8Array | undefined {
  const candidates = new Map<string, { entry: Entry; hex: string }>();
  for (const ix of indexed) {
    const e = ix.p.get(n);
    if (e === undefined) continue;
    const h = hex(e.digest);
    candidates.set(`${e.view}:${h}`, { entry: e, hex: h });
  }
  const ordered = [...candidates.values()].sort(
    (a, b) => b.entry.view - a.entry.view || (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0),
  );
  for (const c of ordered) {
    const v = c.entry.view;
    let a1 = 0;
    for (const ix of indexed) {
      const e = ix.p.get(n);
      if (e === undefined || e.view < v || (e.view === v && hex(e.digest) === c.hex)) a1++;
    }
    if (a1 < 2 * f + 1) continue;
    let a2 = 0;
    for (const ix of indexed)
      if ((ix.q.get(n) ?? []).some((e) => e.view >= v && hex(e.digest) === c.hex)) a2++;
    if (a2 >= f + 1) return c.entry.digest;
  }
  return undefined;
}

/** Whether a new-view's pre-prepares are exactly the decision. */
export function sameSlots(a: readonly SlotAssignment[], b: readonly SlotAssignment[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as SlotAssignment;
    const y = b[i] as SlotAssignment;
    if (x.seq !== y.seq || hex(x.digest) !== hex(y.digest)) return false;
  }
  return true;
}
