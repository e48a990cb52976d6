/**
 * The leader as proposer (PMS §2.2 phase 2a, §3 Multi-Paxos): it cuts client requests into
 * batches, opens one slot per batch while fewer than `pipelineMax` are in flight and the slot
 * lies within L of the stable checkpoint, sends accepts, counts accepted replies, and tells the
 * learners (`commit`) how far the chosen prefix reaches. Followers pass requests on to it.
 */
import type { ClientRequest } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { compareBallots, sameBallot } from './ballot.js';
import { observeBallot } from './election.js';
import { executeReady } from './learner.js';
import type { Accepted, Nack } from './messages.js';
import { requestKey, type PaxosState } from './state.js';

/** Slots whose accepts one tick resends, at most. */
const RESEND_SLOTS_MAX = 64;

/** A client's request reached this replica (possibly a retransmission). */
export function submitRequest(r: PaxosState, request: ClientRequest): void {
  if (r.role === 'follower') {
    // A retransmission means the client still waits: pass it on again (the leader may have lost it).
    if (r.leader !== r.self) r.env.send(r.leader, { kind: 'forward', request });
    return;
  }
  enqueue(r, request);
}

/** The leader (or a candidate, for when it leads) queues a request for a batch, once. */
export function enqueue(r: PaxosState, request: ClientRequest): void {
  if (r.role === 'follower') return;
  const key = requestKey(request);
  const at = r.known.get(key);
  if ((at !== undefined && (at === 0 || at > r.lastDelivered)) || r.pending.length >= r.t.pendingMax) return;
  r.known.set(key, 0);
  r.pending.push(request);
  if (r.pending.length >= r.t.batchMax) return propose(r);
  // Batch what arrives within batchDelayMs; a zero delay still batches one event turn's arrivals.
  if (!r.flushArmed) {
    r.flushArmed = true;
    r.env.setTimer(r.t.batchDelayMs, { kind: 'flush' });
  }
}

export function onFlush(r: PaxosState): void {
  r.flushArmed = false;
  propose(r);
}

/** Open slots for what is pending, within the pipeline window and the log bound. */
export function propose(r: PaxosState): void {
  if (r.role !== 'leader') return;
  while (r.pending.length > 0 && r.nextSeq - 1 - r.committed < r.t.pipelineMax && r.nextSeq <= r.high) {
    const seq = r.nextSeq++;
    const batch = takeBatch(r);
    for (const q of batch) r.known.set(requestKey(q), seq);
    openSlot(r, seq, batch, false);
  }
}

function takeBatch(r: PaxosState): ClientRequest[] {
  let bytes = 0;
  let count = 0;
  while (count < r.pending.length && count < r.t.batchMax) {
    const size = (r.pending[count] as ClientRequest).op.byteLength;
    if (count > 0 && bytes + size > r.t.batchBytesMax) break;
    bytes += size;
    count++;
  }
  const batch = r.pending.slice(0, count);
  r.pending = r.pending.slice(count);
  return batch;
}

/** Phase 2a for `seq`: accept it here (the leader is an acceptor too) and ask the others. */
export function openSlot(
  r: PaxosState,
  seq: number,
  requests: ClientRequest[],
  decided: boolean | undefined,
): void {
  r.log.set(seq, { ballot: r.promised, requests, decided: decided === true });
  r.env.broadcast({ kind: 'accept', ballot: r.promised, seq, requests });
  r.lastSentAtMs = r.env.now();
  if (decided === true) return;
  r.votesFor.set(seq, new Set([r.self]));
  r.sentAtMs.set(seq, r.env.now());
  checkChosen(r, seq);
}

/** Phase 2b arrives at the leader. */
export function onAccepted(r: PaxosState, from: NodeId, m: Accepted): void {
  if (r.role !== 'leader' || !sameBallot(m.ballot, r.promised)) return;
  const votes = r.votesFor.get(m.seq);
  if (votes === undefined) return;
  votes.add(from);
  checkChosen(r, m.seq);
}

/** A quorum accepted `seq` in this ballot: its value is chosen (PMS §2.2). */
function checkChosen(r: PaxosState, seq: number): void {
  const votes = r.votesFor.get(seq);
  const slot = r.log.get(seq);
  if (votes === undefined || slot === undefined || votes.size < r.quorum) return;
  slot.decided = true;
  r.votesFor.delete(seq);
  r.sentAtMs.delete(seq);
  advanceCommit(r);
}

/** Move the chosen prefix on, tell the learners, execute, and open more slots. */
export function advanceCommit(r: PaxosState): void {
  if (r.role !== 'leader') return;
  const before = r.committed;
  for (;;) {
    const seq = r.committed + 1;
    if (seq <= r.lastDelivered || r.log.get(seq)?.decided === true) r.committed = seq;
    else break;
  }
  if (r.committed === before) return;
  r.knownHigh = Math.max(r.knownHigh, r.committed);
  sendHeartbeat(r);
  executeReady(r);
  propose(r);
}

/** The commit message: learning for the followers, and the leader's heartbeat. */
export function sendHeartbeat(r: PaxosState): void {
  r.env.broadcast({
    kind: 'commit',
    ballot: r.promised,
    committed: r.committed,
    stableSeq: r.stableSeq,
    stableDigest: r.stableDigest,
  });
  r.lastSentAtMs = r.env.now();
}

/** The leader's tick: a heartbeat when idle, and accepts again for slots not chosen in time. */
export function leaderTick(r: PaxosState): void {
  if (r.role !== 'leader') return;
  const now = r.env.now();
  let resent = 0;
  for (const [seq, sentAt] of r.sentAtMs) {
    if (resent >= RESEND_SLOTS_MAX) break;
    if (now - sentAt < r.t.resendMs) continue;
    const slot = r.log.get(seq);
    const votes = r.votesFor.get(seq);
    if (slot === undefined || votes === undefined) continue;
    for (const m of r.members)
      if (!votes.has(m)) r.env.send(m, { kind: 'accept', ballot: r.promised, seq, requests: slot.requests });
    r.sentAtMs.set(seq, now);
    resent++;
  }
  if (now - r.lastSentAtMs >= r.t.heartbeatMs) sendHeartbeat(r);
}

/** An acceptor promised a higher ballot: this leader (or candidate) lost; follow the winner. */
export function onNack(r: PaxosState, m: Nack): void {
  if (compareBallots(m.promised, r.promised) > 0) observeBallot(r, m.promised);
}
