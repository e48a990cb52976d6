/**
 * The signed suspicions one view has seen (seed 003: "When f+1 Suspect messages for a group member
 * have been received at a process p_i, the process initiates a view installation"). Bounded: at
 * most one entry per (suspecter, target) pair of the view.
 */
import type { Rank } from '../layer.js';
import { bytesEqual } from '../signing.js';
import type { SuspectEntry } from './messages.js';
import { justifies } from './validate.js';

export class SuspicionBook {
  /** target → suspecter → entry (already checked). */
  private readonly byTarget = new Map<Rank, Map<Rank, SuspectEntry>>();

  constructor(
    private readonly n: number,
    private readonly f: number,
  ) {}

  /** Records a checked entry; true if it was new. */
  add(e: SuspectEntry): boolean {
    if (e.by >= this.n || e.target >= this.n) return false;
    let row = this.byTarget.get(e.target);
    if (row === undefined) {
      row = new Map();
      this.byTarget.set(e.target, row);
    }
    if (row.has(e.by)) return false;
    row.set(e.by, e);
    return true;
  }

  /** Whether the book holds this very entry (it was checked when it was added). */
  holds(e: SuspectEntry): boolean {
    const mine = this.byTarget.get(e.target)?.get(e.by);
    return mine !== undefined && bytesEqual(mine.sig, e.sig);
  }

  has(by: Rank, target: Rank): boolean {
    return this.byTarget.get(target)?.has(by) ?? false;
  }

  /** Members whose removal is justified: suspected by f+1, or asking to leave. */
  detected(): Set<Rank> {
    const out = new Set<Rank>();
    for (const [target, row] of this.byTarget)
      if (justifies([...row.values()], target, this.f)) out.add(target);
    return out;
  }

  /** The entries that justify removing each of `targets` (the self-suspicion alone for a leaver). */
  justification(targets: Iterable<Rank>): SuspectEntry[] {
    const out: SuspectEntry[] = [];
    for (const t of targets) {
      const row = this.byTarget.get(t);
      if (row === undefined) continue;
      const own = row.get(t);
      if (own !== undefined) {
        out.push(own);
        continue;
      }
      out.push(...[...row.values()].slice(0, this.f + 1));
    }
    return out;
  }

  /** Entries signed by `by` (what a member repeats while an installation is under way). */
  signedBy(by: Rank): SuspectEntry[] {
    const out: SuspectEntry[] = [];
    for (const row of this.byTarget.values()) {
      const e = row.get(by);
      if (e !== undefined) out.push(e);
    }
    return out;
  }
}
