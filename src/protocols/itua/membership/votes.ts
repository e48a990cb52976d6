/**
 * Stable votes: the last step of a view installation, our addition to seed 003. A member that
 * holds every message up to a decided proposal's cut votes, once per view, for installing that
 * proposal with that cut; a member the proposal removes votes for it once f+1 of the members it
 * keeps did (or all of them, if it keeps fewer). A member installs only a proposal and cut that a
 * quorum of the view voted for. Two quorums share a correct member, which votes once: so no two
 * correct members install different views, even when one member's stabilization stalled while
 * another's completed, a partition got correct members removed on false suspicions, or a
 * corrupt member sent different Ready-to-Switch counts to different members.
 */
import type { Rank } from '../layer.js';
import type { ReadyMessage, StableMessage } from './messages.js';
import { bytesEqual } from '../../../core/bytes.js';

export const sameCut = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((c, i) => c === b[i]);

const sameVote = (a: StableMessage, b: StableMessage): boolean =>
  bytesEqual(a.digest, b.digest) && sameCut(a.cut, b.cut);

export interface VotedCut {
  readonly cut: readonly number[];
  readonly voters: StableMessage[];
}

/** Each member's first valid vote of the view (at most one per member: bounded by the view). */
export class StableVotes {
  private readonly byRank = new Map<Rank, StableMessage>();

  /** Records a checked vote: `new`, `same` (heard before) or `conflict` (its signer voted otherwise). */
  add(m: StableMessage): 'new' | 'same' | 'conflict' {
    const prev = this.byRank.get(m.rank);
    if (prev === undefined) {
      this.byRank.set(m.rank, m);
      return 'new';
    }
    return sameVote(prev, m) ? 'same' : 'conflict';
  }

  /** Whether this very vote (same signature bytes) is held already: no need to check it again. */
  holds(m: StableMessage): boolean {
    const prev = this.byRank.get(m.rank);
    return prev !== undefined && sameVote(prev, m) && bytesEqual(prev.sig, m.sig);
  }

  /** The cuts voted for a proposal, the most voted first. */
  cuts(digest: Uint8Array): VotedCut[] {
    const out: VotedCut[] = [];
    for (const m of this.byRank.values()) {
      if (!bytesEqual(m.digest, digest)) continue;
      const at = out.find((v) => sameCut(v.cut, m.cut));
      if (at === undefined) out.push({ cut: m.cut, voters: [m] });
      else at.voters.push(m);
    }
    return out.sort((a, b) => b.voters.length - a.voters.length);
  }
}

/** Per sender, the most any Ready-to-Switch claims (what every member of the next view delivers). */
export function maxCut(readies: Iterable<ReadyMessage>, n: number): number[] {
  const cut = new Array<number>(n).fill(0);
  for (const m of readies) for (let i = 0; i < n; i++) cut[i] = Math.max(cut[i] as number, m.counts[i] ?? 0);
  return cut;
}
