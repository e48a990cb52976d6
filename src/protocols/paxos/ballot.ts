/**
 * Ballots (PMS §2.2: "different proposals have different numbers"): a round and the rank of the
 * replica that owns it, ordered by round, then rank. Each replica owns the ballots of its rank,
 * so two replicas never propose in the same ballot.
 */
import type { Ballot } from './messages.js';

/** The ballot every replica starts in: owned by rank 0, which may skip phase 1 for it (nothing lower exists). */
export const INITIAL_BALLOT: Ballot = { round: 0, leader: 0 };

/** Negative, zero or positive as a is lower than, equal to or higher than b. */
export function compareBallots(a: Ballot, b: Ballot): number {
  return a.round !== b.round ? a.round - b.round : a.leader - b.leader;
}

export function sameBallot(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.leader === b.leader;
}

export function ballotText(b: Ballot): string {
  return `${b.round}.${b.leader}`;
}
