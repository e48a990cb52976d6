/**
 * Pure rules about the proposals of a view installation (seed 003): who leads, and whether a
 * proposal removes every member known to be corrupt; which of two proposals came after the other.
 */
import type { NodeId } from '../../../core/ids.js';
import type { Rank } from '../layer.js';
import type { Proposal } from './signing.js';
import type { CommitMessage } from './messages.js';
import { bytesEqual } from '../../../core/bytes.js';

/** A proposal and its digest. */
export interface Named {
  readonly proposal: Proposal;
  readonly digest: Uint8Array;
}

/** Which New-View a message is about: leaders in rank order, then their rounds. */
export interface Stamp {
  readonly leader: Rank;
  readonly round: number;
}

export const after = (a: Stamp, b: Stamp): boolean =>
  a.leader > b.leader || (a.leader === b.leader && a.round > b.round);

/** The lowest-ranked member whose removal is not justified: the leader, its deputy, … */
export function leaderOf(detected: ReadonlySet<Rank>): Rank {
  let r = 0;
  while (detected.has(r)) r++;
  return r;
}

/** Whether `p` removes every detected member and admits the joiner asked for (if any). */
export function covers(p: Proposal, detected: ReadonlySet<Rank>, joiner: NodeId | undefined): boolean {
  for (const d of detected) if (p.kept.includes(d)) return false;
  return joiner === undefined || p.joiner === joiner;
}

/**
 * Whether a proposal I acknowledged or saw committed removes every member known to go (a Commit
 * may overtake its New-View: a committed proposal covers as well as an acknowledged one).
 */
export function coveredBy(
  ps: readonly ({ readonly proposal: Proposal } | undefined)[],
  detected: ReadonlySet<Rank>,
  joiner: NodeId | undefined,
): boolean {
  return ps.some((p) => p !== undefined && covers(p.proposal, detected, joiner));
}

/** Whether two Commits are the same in every field, signatures included. */
export function sameCommit(a: CommitMessage, b: CommitMessage): boolean {
  return (
    bytesEqual(a.sig, b.sig) &&
    a.view === b.view &&
    a.round === b.round &&
    a.leader === b.leader &&
    a.joiner === b.joiner &&
    a.kept.length === b.kept.length &&
    a.kept.every((r, i) => r === b.kept[i]) &&
    a.acks.length === b.acks.length &&
    a.acks.every((x, i) => {
      const y = b.acks[i];
      return y !== undefined && x.rank === y.rank && bytesEqual(x.sig, y.sig);
    })
  );
}
