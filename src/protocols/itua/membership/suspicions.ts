/**
 * The signed suspicions one view has seen (seed 003: "When f+1 Suspect messages for a group member
 * have been received at a process p_i, the process initiates a view installation"). Bounded: at
 * most one entry per (suspecter, target) pair of the view.
 *
 * A Suspect that came from its signer is authentic (the channel says who sent it), but its
 * signature matters once it is relayed in a justification: it is checked when its row first
 * justifies a removal, and then only as many as the justification needs (f+1), not every one
 * of the n-1 that a crash brings.
 */
import type { Rank } from '../layer.js';
import type { SuspectEntry } from './messages.js';
import { justifies } from './validate.js';
import { bytesEqual } from '../../../core/bytes.js';

export class SuspicionBook {
  /** target → suspecter → entry (authentic; its signature checked unless in `unchecked`). */
  private readonly byTarget = new Map<Rank, Map<Rank, SuspectEntry>>();
  private readonly unchecked = new WeakSet<SuspectEntry>();

  constructor(
    private readonly n: number,
    private readonly f: number,
    private readonly verify: (e: SuspectEntry) => boolean,
  ) {}

  /** Records an authentic entry (`signed`: its signature was checked); true if it was new. */
  add(e: SuspectEntry, signed = true): boolean {
    if (e.by >= this.n || e.target >= this.n) return false;
    let row = this.byTarget.get(e.target);
    if (row === undefined) {
      row = new Map();
      this.byTarget.set(e.target, row);
    }
    if (row.has(e.by)) return false;
    row.set(e.by, e);
    if (!signed) this.unchecked.add(e);
    return true;
  }

  /** Whether the book holds this very entry (authentic: from its signer, or checked). */
  holds(e: SuspectEntry): boolean {
    const mine = this.byTarget.get(e.target)?.get(e.by);
    return mine !== undefined && bytesEqual(mine.sig, e.sig);
  }

  has(by: Rank, target: Rank): boolean {
    return this.byTarget.get(target)?.has(by) ?? false;
  }

  /** Members whose removal is justified: suspected by f+1 with checked signatures, or asking to leave. */
  detected(): Set<Rank> {
    const out = new Set<Rank>();
    for (const [target, row] of this.byTarget) {
      if (!justifies([...row.values()], target, this.f)) continue;
      if (justifies(this.signedOf(row, target), target, this.f)) out.add(target);
    }
    return out;
  }

  /**
   * The row's entries whose signatures are checked, checking unchecked ones (a self-suspicion
   * first) until they justify the removal; an entry whose signature fails is dropped.
   */
  private signedOf(row: Map<Rank, SuspectEntry>, target: Rank): SuspectEntry[] {
    const own = row.get(target);
    const order =
      own === undefined ? [...row.values()] : [own, ...[...row.values()].filter((e) => e !== own)];
    const out: SuspectEntry[] = [];
    for (const e of order) {
      if (justifies(out, target, this.f)) break;
      if (this.unchecked.has(e)) {
        if (!this.verify(e)) {
          row.delete(e.by);
          continue;
        }
        this.unchecked.delete(e);
      }
      out.push(e);
    }
    return out;
  }

  /**
   * The entries that justify removing each of `targets` (the self-suspicion alone for a leaver),
   * all with checked signatures: what a member relays must hold for every member it reaches.
   */
  justification(targets: Iterable<Rank>): SuspectEntry[] {
    const out: SuspectEntry[] = [];
    for (const t of targets) {
      const row = this.byTarget.get(t);
      if (row === undefined) continue;
      const signed = this.signedOf(row, t);
      const own = signed.find((e) => e.by === t);
      if (own !== undefined) out.push(own);
      else out.push(...signed.slice(0, this.f + 1));
    }
    return out;
  }
}
