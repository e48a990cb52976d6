/**
 * Checkpoints, garbage collection and the hand-over to state transfer. smr reports its state
 * digest every K batches (`onExecuted`); each replica multicasts it. Once a majority executed a
 * checkpoint, every slot at or below it is chosen and known to a majority's state, so the log
 * there is garbage: a replica drops what it executed below it, tells smr `checkpoint-stable`
 * when it executed it too, and a replica behind it that can no longer fetch the batches gets
 * the state by transfer (`state-needed`). Crash faults only: one replica's digest is trusted,
 * and any replica that executed the checkpoint can serve it.
 */
import type { NodeId } from '../../core/ids.js';
import { startElection } from './election.js';
import { executeReady } from './learner.js';
import type { CheckpointMessage } from './messages.js';
import { advanceCommit, propose } from './proposer.js';
import type { PaxosState } from './state.js';
import { bytesEqual } from '../../core/bytes.js';

/** Checkpoint seqs whose votes are kept, at most (the oldest go first). */
const VOTED_SEQS_MAX = 64;

/** smr executed batch `seq` (with the state digest at checkpoint seqs). */
export function onExecuted(r: PaxosState, seq: number, digest: Uint8Array | undefined): void {
  r.lastExecuted = Math.max(r.lastExecuted, seq);
  if (digest === undefined || seq < r.stableSeq) return;
  // Reported even when it is stable already: a peer (the leader perhaps) may still count on it.
  r.ownCheckpoints.set(seq, digest);
  broadcastCheckpoint(r, seq, digest);
  if (seq === r.stableSeq) {
    r.latestCheckpoint.set(r.self, Math.max(r.latestCheckpoint.get(r.self) ?? 0, seq));
    return deliverStable(r, digest);
  }
  addVote(r, r.self, seq, digest);
}

export function onCheckpoint(r: PaxosState, from: NodeId, m: CheckpointMessage): void {
  r.knownHigh = Math.max(r.knownHigh, m.seq);
  if (m.stableSeq > r.stableSeq) learnStable(r, m.stableSeq, m.stableDigest, [from]);
  addVote(r, from, m.seq, m.digest);
}

function broadcastCheckpoint(r: PaxosState, seq: number, digest: Uint8Array): void {
  r.env.broadcast({ kind: 'checkpoint', seq, digest, stableSeq: r.stableSeq, stableDigest: r.stableDigest });
  r.checkpointSentAtMs = r.env.now();
}

function addVote(r: PaxosState, node: NodeId, seq: number, digest: Uint8Array): void {
  r.latestCheckpoint.set(node, Math.max(r.latestCheckpoint.get(node) ?? 0, seq));
  if (seq <= r.stableSeq) return;
  let votes = r.votes.get(seq);
  if (votes === undefined) {
    votes = new Map();
    r.votes.set(seq, votes);
    if (r.votes.size > VOTED_SEQS_MAX) r.votes.delete(Math.min(...r.votes.keys()));
  }
  votes.set(node, digest);
  findStable(r);
}

/** The highest checkpoint that a majority executed (their latest checkpoints are at or past it). */
function findStable(r: PaxosState): void {
  const seqs = [...r.votes.keys()].sort((a, b) => b - a);
  for (const seq of seqs) {
    let count = 0;
    for (const m of r.members) if ((r.latestCheckpoint.get(m) ?? 0) >= seq) count++;
    if (count < r.quorum) continue;
    const votes = r.votes.get(seq) as Map<NodeId, Uint8Array>;
    const digest = [...votes.values()][0] as Uint8Array;
    return learnStable(r, seq, digest, [...votes.keys()]);
  }
}

/** Checkpoint `seq` is stable: move the window, drop the executed log below it, catch up to it. */
export function learnStable(r: PaxosState, seq: number, digest: Uint8Array, sources: NodeId[]): void {
  if (seq <= r.stableSeq) return;
  r.stableSeq = seq;
  r.stableDigest = digest;
  r.stableSources = sources.filter((s) => s !== r.self);
  r.knownHigh = Math.max(r.knownHigh, seq);
  for (const s of r.votes.keys()) if (s <= seq) r.votes.delete(s);
  for (const s of r.ownCheckpoints.keys()) if (s < seq) r.ownCheckpoints.delete(s);
  for (const s of r.log.keys()) if (s <= seq && s <= r.lastDelivered) r.log.delete(s);
  forgetProposedUpTo(r, Math.min(seq, r.lastDelivered));
  r.counters.checkpointsStable++;
  const own = r.ownCheckpoints.get(seq);
  if (r.lastExecuted >= seq && own !== undefined) deliverStable(r, own);
  advanceCommit(r);
  propose(r);
}

function deliverStable(r: PaxosState, own: Uint8Array): void {
  if (r.stableDelivered >= r.stableSeq) return;
  if (!bytesEqual(own, r.stableDigest)) {
    // Deterministic replicas cannot differ; if this one did, the certified state replaces it.
    r.env.log.log('error', 'paxos-state-diverged', { seq: r.stableSeq });
    return requestState(r);
  }
  r.stableDelivered = r.stableSeq;
  r.env.deliver({ kind: 'checkpoint-stable', seq: r.stableSeq, digest: r.stableDigest });
}

/**
 * This replica is behind the stable checkpoint and a peer no longer holds the batches it lacks:
 * reach it by executing if every batch is here, else ask smr for the state.
 */
export function requestState(r: PaxosState, extraSource?: NodeId): void {
  const seq = r.stableSeq;
  if (r.stateTarget !== undefined && r.stateTarget.seq >= seq) return;
  if (r.lastDelivered >= seq && r.stableDelivered >= seq) return;
  if (reachable(r, seq)) {
    // Every batch up to it is here: execute them; smr drops a transfer its execution overtakes.
    r.stateTarget = undefined;
    return executeReady(r);
  }
  r.stateTarget = { seq, digest: r.stableDigest };
  r.counters.stateTransfers++;
  const sources = [...new Set([...(extraSource === undefined ? [] : [extraSource]), ...r.stableSources])];
  for (const m of r.members) if (m !== r.self && !sources.includes(m)) sources.push(m);
  r.env.log.log('info', 'paxos-state-needed', { seq, executed: r.lastDelivered });
  r.env.deliver({ kind: 'state-needed', seq, digest: r.stableDigest, sources });
}

function reachable(r: PaxosState, seq: number): boolean {
  for (let s = r.lastDelivered + 1; s <= seq; s++) if (r.log.get(s)?.decided !== true) return false;
  return true;
}

/** smr installed the state at `seq`: go on from there. */
export function onStateInstalled(r: PaxosState, seq: number): void {
  if (seq < r.lastDelivered) return;
  r.lastDelivered = seq;
  r.lastExecuted = Math.max(r.lastExecuted, seq);
  r.progressAtMs = r.env.now();
  if (r.stateTarget !== undefined && seq >= r.stateTarget.seq) r.stateTarget = undefined;
  for (const s of r.log.keys()) if (s <= seq) r.log.delete(s);
  forgetProposedUpTo(r, seq);
  if (seq === r.stableSeq && r.stableDelivered < seq) {
    r.stableDelivered = seq;
    r.env.deliver({ kind: 'checkpoint-stable', seq, digest: r.stableDigest });
    // The installed state is this replica's checkpoint now: report it like one it executed to
    // (peers that missed the others' votes may wait for it to move their window).
    r.ownCheckpoints.set(seq, r.stableDigest);
    r.latestCheckpoint.set(r.self, Math.max(r.latestCheckpoint.get(r.self) ?? 0, seq));
    broadcastCheckpoint(r, seq, r.stableDigest);
  }
  // A leader that skipped slots it proposed does not know what was chosen there: its commits
  // could no longer vouch for its proposals, so it runs phase 1 again in a fresh ballot.
  if (r.role === 'leader' && seq > r.committed) return startElection(r);
  executeReady(r);
  advanceCommit(r);
  propose(r);
}

/** Keys of requests proposed at or below `seq`: executed, or refilled by phase 1 (the map stays bounded). */
function forgetProposedUpTo(r: PaxosState, seq: number): void {
  for (const [key, at] of r.known) if (at !== 0 && at <= seq) r.known.delete(key);
}

/**
 * Checkpoint messages may all be lost: resend the latest one now and then, even once it is stable
 * here (a peer that missed it, the leader perhaps, may still wait for it to move its window).
 * Chase a newer state when the stable checkpoint moved past the one being fetched.
 */
export function checkpointTick(r: PaxosState): void {
  const now = r.env.now();
  if (now - r.checkpointSentAtMs >= r.t.checkpointResendMs) {
    r.checkpointSentAtMs = now;
    const latest = Math.max(0, ...r.ownCheckpoints.keys());
    const digest = r.ownCheckpoints.get(latest);
    if (digest !== undefined) broadcastCheckpoint(r, latest, digest);
  }
  if (r.stateTarget !== undefined && r.stableSeq > r.stateTarget.seq) requestState(r);
}
