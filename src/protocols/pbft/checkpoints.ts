/**
 * Checkpoints and garbage collection (OSDI §4.3), and the hand-over to state transfer (TOCS,
 * state transfer). smr reports the state digest at every K-th batch; the replica signs and
 * multicasts it; 2f+1 matching signed checkpoints make it stable: the proof, the new low
 * watermark h, and the log below it discarded. A replica that sees a proof above what it has
 * executed reaches it by executing if it holds the batches, and otherwise asks smr for the state
 * (`state-needed`), moving its window up at once so it can take part beyond it meanwhile.
 */
import type { NodeId } from '../../core/ids.js';
import { signCheckpoint } from './certificates.js';
import { fetchNow } from './catch-up.js';
import { executeReady } from './execution.js';
import type { Checkpoint, CheckpointSig } from './messages.js';
import { admit, propose } from './normal-case.js';
import type { PbftState } from './state.js';
import { checkCheckpoint } from './validate.js';
import { bytesEqual, hex } from '../../core/bytes.js';

/** smr executed batch `seq` (state digest at checkpoint seqs): sign and multicast the checkpoint. */
export function onExecuted(r: PbftState, seq: number, digest: Uint8Array | undefined): void {
  r.lastExecuted = Math.max(r.lastExecuted, seq);
  if (digest === undefined || seq % r.t.checkpointInterval !== 0 || seq <= r.h) return;
  const m = signCheckpoint(r.env.crypto, seq, digest, r.self);
  r.ownCheckpoints.set(seq, m);
  r.env.broadcast(m);
  addCheckpoint(r, m);
  // A proof may have been complete before this replica got there (it was the slow one).
  if (r.proven !== undefined && r.proven.seq === seq)
    onProven(r, r.proven.seq, r.proven.digest, r.proven.proof);
}

export function onCheckpoint(r: PbftState, from: NodeId, m: Checkpoint): void {
  if (!admit(r, from, checkCheckpoint(r, from, m))) return;
  addCheckpoint(r, m);
}

function addCheckpoint(r: PbftState, m: Checkpoint): void {
  const added = r.checkpoints.add(m);
  // Two signed digests for one seq: the signer contradicted itself, provably.
  if (added === 'conflict') return r.suspect(m.replica, 'EQUIVOCATION');
  if (added !== 'added') return;
  const matching = r.checkpoints.matching(m.seq, hex(m.digest));
  if (matching.length >= r.quorum) onProven(r, m.seq, m.digest, matching);
}

/** A proof carried as signatures (in a view-change or new-view), already verified. */
export function learnProof(
  r: PbftState,
  seq: number,
  digest: Uint8Array,
  sigs: readonly CheckpointSig[],
): void {
  if (seq <= r.h) return;
  const proof = sigs.map((s): Checkpoint => ({
    kind: 'checkpoint',
    seq,
    digest,
    replica: s.replica,
    sig: s.sig,
  }));
  for (const m of proof) r.checkpoints.add(m);
  onProven(r, seq, digest, proof, true);
}

/**
 * 2f+1 replicas certified the state at `seq`. Stable here once this replica executed it too (with
 * the same digest); reachable by executing if every batch up to it is decided and held; else
 * the state must come by transfer, after a short wait (`urgent`: at once) in which fetching may
 * still bring the batches.
 */
function onProven(r: PbftState, seq: number, digest: Uint8Array, proof: Checkpoint[], urgent = false): void {
  if (seq <= r.h) return;
  r.noteVerified(`cp:${seq}:${hex(digest)}`);
  if (r.proven === undefined || seq >= r.proven.seq) r.proven = { seq, digest, proof };
  if (r.stateTarget !== undefined && r.stateTarget.seq >= seq) return;
  if (r.lastExecuted >= seq) {
    const own = r.ownCheckpoints.get(seq)?.digest;
    if (own === undefined || bytesEqual(own, digest)) return makeStable(r, seq, digest, proof);
    // This replica's state differs from what 2f+1 certified: replace it.
    r.env.log.log('error', 'pbft-state-diverged', { seq });
    return requestState(r, seq, digest, proof);
  }
  if (reachable(r, seq)) return executeReady(r);
  if (urgent || seq - r.lastDelivered > r.t.logSize) return requestState(r, seq, digest, proof);
  fetchNow(r);
  r.env.setTimer(r.t.stateWaitMs, { kind: 'stateWait', seq });
}

function reachable(r: PbftState, seq: number): boolean {
  for (let s = r.lastDelivered + 1; s <= seq; s++) {
    const slot = r.log.get(s);
    if (slot?.decidedHex === undefined) return false;
    if (slot.decidedHex !== r.nullHex && !slot.batches.has(slot.decidedHex)) return false;
  }
  return true;
}

export function onStateWait(r: PbftState, seq: number): void {
  const p = r.proven;
  if (p === undefined || p.seq !== seq || seq <= r.h || r.lastExecuted >= seq) return;
  if (r.stateTarget !== undefined && r.stateTarget.seq >= seq) return;
  requestState(r, p.seq, p.digest, p.proof);
}

/** The window moves to the checkpoint: h, its proof, and the log below it gone. */
function adoptCheckpoint(r: PbftState, seq: number, digest: Uint8Array, proof: Checkpoint[]): void {
  r.h = seq;
  r.stableDigest = digest;
  r.stableProof = proof.slice(0, r.quorum);
  r.log.discardUpTo(seq);
  r.checkpoints.discardBelow(seq);
  for (const s of r.ownCheckpoints.keys()) if (s < seq) r.ownCheckpoints.delete(s);
  r.requests.discardExecutedUpTo(seq);
  r.nextSeq = Math.max(r.nextSeq, seq + 1);
  r.knownHigh = Math.max(r.knownHigh, seq);
}

function makeStable(r: PbftState, seq: number, digest: Uint8Array, proof: Checkpoint[]): void {
  adoptCheckpoint(r, seq, digest, proof);
  r.counters.checkpointsStable++;
  r.env.deliver({ kind: 'checkpoint-stable', seq, digest });
  propose(r);
}

function requestState(r: PbftState, seq: number, digest: Uint8Array, proof: Checkpoint[]): void {
  adoptCheckpoint(r, seq, digest, proof);
  r.stateTarget = { seq, digest };
  r.counters.stateTransfers++;
  const sources = proof.map((m) => m.replica).filter((n) => n !== r.self);
  r.env.log.log('info', 'pbft-state-needed', { seq, executed: r.lastDelivered });
  r.env.deliver({ kind: 'state-needed', seq, digest, sources });
}

/** smr installed the state at `seq`: go on from there; waiting requests may be executed in it. */
export function onStateInstalled(r: PbftState, seq: number): void {
  if (seq < r.lastDelivered) return;
  r.lastDelivered = seq;
  r.lastExecuted = Math.max(r.lastExecuted, seq);
  r.headSinceMs = r.env.now();
  r.requests.clear();
  if (r.stateTarget !== undefined && seq >= r.stateTarget.seq) r.stateTarget = undefined;
  if (seq === r.h) r.env.deliver({ kind: 'checkpoint-stable', seq, digest: r.stableDigest });
  else if (r.proven !== undefined && r.proven.seq === seq)
    makeStable(r, seq, r.proven.digest, r.proven.proof);
  executeReady(r);
  propose(r);
  fetchNow(r);
}

/**
 * Checkpoint messages may all be lost, and then no checkpoint ever becomes stable and the primary
 * stops at the high watermark: a replica resends its latest checkpoint not yet stable, now and then.
 */
export function resendCheckpoint(r: PbftState): void {
  let latest: Checkpoint | undefined;
  for (const m of r.ownCheckpoints.values())
    if (m.seq > r.h && (latest === undefined || m.seq > latest.seq)) latest = m;
  if (latest !== undefined) r.env.broadcast(latest);
}

/** Help a peer behind our stable checkpoint: the 2f+1 signed messages that prove it. */
export function sendStableProof(r: PbftState, to: NodeId): void {
  for (const m of r.stableProof) r.env.send(to, m);
}
