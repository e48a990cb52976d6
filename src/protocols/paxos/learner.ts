/**
 * The learner (PMS §2.3): a slot is chosen once a quorum accepted it in one ballot; the leader
 * counts that and says how far its chosen prefix reaches (`commit`); a follower then knows its
 * own value at each such slot is the chosen one if it accepted it in the leader's ballot. Chosen
 * batches go to smr in slot order, with no gap (a no-op advances the slot and executes nothing).
 */
import type { NodeId } from '../../core/ids.js';
import { compareBallots, sameBallot } from './ballot.js';
import { learnStable } from './checkpoints.js';
import { observeBallot } from './election.js';
import type { Commit } from './messages.js';
import { nack } from './acceptor.js';
import { propose } from './proposer.js';
import { requestKey, type PaxosState } from './state.js';

export function onCommit(r: PaxosState, from: NodeId, m: Commit): void {
  if (compareBallots(m.ballot, r.promised) < 0) return nack(r, from, m.ballot);
  observeBallot(r, m.ballot);
  r.heardAtMs = r.env.now();
  if (!sameBallot(m.ballot, r.commitBallot) || m.committed > r.commitSeen) {
    r.commitBallot = m.ballot;
    r.commitSeen = m.committed;
  }
  r.knownHigh = Math.max(r.knownHigh, m.committed);
  if (m.stableSeq > r.stableSeq) learnStable(r, m.stableSeq, m.stableDigest, [from]);
  markCommitted(r);
}

/** Slots up to the leader's chosen prefix that this replica accepted in the leader's ballot are chosen. */
export function markCommitted(r: PaxosState): void {
  if (!sameBallot(r.commitBallot, r.promised)) return;
  const last = Math.min(r.commitSeen, r.lastDelivered + 2 * r.t.logSize);
  for (let seq = r.lastDelivered + 1; seq <= last; seq++) {
    const slot = r.log.get(seq);
    if (slot !== undefined && !slot.decided && sameBallot(slot.ballot, r.commitBallot)) slot.decided = true;
  }
  executeReady(r);
}

/** Deliver chosen batches in slot order; nothing while a state transfer is outstanding. */
export function executeReady(r: PaxosState): void {
  let progressed = false;
  while (r.stateTarget === undefined) {
    const seq = r.lastDelivered + 1;
    const slot = r.log.get(seq);
    if (slot === undefined || !slot.decided) break;
    r.lastDelivered = seq;
    r.progressAtMs = r.env.now();
    progressed = true;
    if (slot.requests.length > 0) {
      // Progress under a leader ends a run of lost elections: timeouts return to their base.
      r.failures = 0;
      if (r.role !== 'follower') for (const q of slot.requests) r.known.delete(requestKey(q));
    }
    // Below the stable checkpoint and executed: garbage.
    if (seq <= r.stableSeq) r.log.delete(seq);
    // smr executes it now and calls onExecuted (checkpoints.ts) before this returns.
    r.env.deliver({ kind: 'batch', seq, requests: slot.requests });
  }
  if (progressed && r.role === 'leader') propose(r);
}
