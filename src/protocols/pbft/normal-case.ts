/**
 * Normal-case operation (OSDI §4.2): the primary assigns sequence numbers to batches and
 * multicasts pre-prepares (batching with a pipeline window, TOCS's batching optimization);
 * backups prepare what the primary pre-prepared; a replica that is prepared (pre-prepare and 2f
 * matching prepares) commits; one that is committed-local (prepared and 2f+1 matching commits)
 * decides the batch and executes it in sequence order.
 */
import type { ClientRequest } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { authenticate, batchDigest } from './certificates.js';
import { noteSeen } from './catch-up.js';
import { executeReady } from './execution.js';
import { countVotes, notePrePrepared, type Slot } from './log.js';
import type { Commit, PrePrepare, Prepare } from './messages.js';
import { armRequestTimer } from './requests.js';
import type { PbftState } from './state.js';
import { checkPrePrepare, checkVote, isAuthenticatedBatch, type Verdict } from './validate.js';
import { startViewChange } from './view-change.js';
import { hex } from '../../core/bytes.js';

/**
 * Act on a verdict; true if the message is to be handled. A reject reports the sender, unless it
 * proves the primary faulty (equivocation, a bad batch or digest under its MAC): then it reports
 * the primary, whoever relayed the message, and replaces it.
 */
export function admit(r: PbftState, from: NodeId, v: Verdict): boolean {
  if (v.verdict === 'accept') return true;
  if (v.verdict === 'ignore') return false;
  if (v.primaryFault !== true) {
    r.suspect(from, v.code);
    return false;
  }
  r.suspect(r.primary, v.code);
  r.env.log.log('warn', 'pbft-primary-fault', { view: r.view, primary: r.primary, code: v.code });
  startViewChange(r, r.view + 1);
  return false;
}

/** The primary orders what waits, while the pipeline and the high watermark leave room. */
export function propose(r: PbftState): void {
  if (!r.active || !r.isPrimary() || r.stateTarget !== undefined) return;
  while (r.nextSeq <= r.high && r.nextSeq - r.lastDelivered <= r.t.pipelineMax) {
    const requests = r.requests.takeBatch(r.t.batchMax, r.t.batchBytesMax);
    if (requests.length === 0) break;
    sendPrePrepare(r, r.nextSeq++, requests);
  }
  armRequestTimer(r);
}

/** A request reached the primary: cut a batch now if one is full, else at the end of the event turn. */
export function scheduleFlush(r: PbftState): void {
  if (!r.active || !r.isPrimary()) return;
  if (r.requests.unbatched >= r.t.batchMax) return propose(r);
  if (r.flushArmed) return;
  r.flushArmed = true;
  r.env.setTimer(r.t.batchDelayMs, { kind: 'flush', view: r.view });
}

export function onFlush(r: PbftState): void {
  r.flushArmed = false;
  propose(r);
}

function sendPrePrepare(r: PbftState, seq: number, requests: ClientRequest[]): void {
  const digest = batchDigest(r.env.crypto, requests);
  const body = { kind: 'prePrepare', view: r.view, seq, digest } as const;
  const auth = authenticate(r.env.crypto, r.members, r.self, body);
  const m: PrePrepare = { kind: 'prePrepare', view: r.view, seq, digest, requests, auth };
  acceptPrePrepare(r, r.log.at(seq, r.view), m, digest, requests);
  r.env.broadcast(m);
}

export function onPrePrepare(r: PbftState, from: NodeId, m: PrePrepare): void {
  const v = checkPrePrepare(r, from, m);
  if (v.verdict === 'ignore' && v.code === 'REQUEST_UNAUTHENTICATED') return awaitAuthentic(r, m);
  if (!admit(r, from, v)) return;
  acceptPrePrepare(r, r.log.at(m.seq, r.view), m, m.digest, m.requests);
}

/**
 * A pre-prepare carried a request whose client MAC fails here: not prepared, and nobody blamed.
 * The batch's authentic requests wait here as if their clients had sent them, under the request
 * timer: a primary that keeps proposing what cannot be checked is replaced by a view change
 * (OSDI §4.5.2) even before the clients retransmit to the backups.
 */
function awaitAuthentic(r: PbftState, m: PrePrepare): void {
  r.env.log.log('warn', 'pbft-request-unauthenticated', { view: m.view, seq: m.seq, primary: r.primary });
  const now = r.env.now();
  for (const q of m.requests) if (isAuthenticatedBatch(r, [q])) r.requests.add(q, now);
  armRequestTimer(r);
}

/**
 * Accept (digest, batch) as the pre-prepare of this slot in the current view: from the
 * primary's message, or from a new-view (`m` undefined, the batch perhaps still unknown).
 */
export function acceptPrePrepare(
  r: PbftState,
  slot: Slot,
  m: PrePrepare | undefined,
  digest: Uint8Array,
  requests: readonly ClientRequest[] | undefined,
): void {
  const hx = hex(digest);
  if (slot.ppHex === undefined) {
    slot.ppHex = hx;
    slot.ppDigest = digest;
    notePrePrepared(slot, hx, digest, r.view, r.t.qPerSeqMax);
  }
  if (m !== undefined && slot.pp === undefined) slot.pp = m;
  if (requests !== undefined && !slot.batches.has(hx)) slot.batches.set(hx, requests);
  noteSeen(r, slot.seq);
  // Decided here already (a new view re-proposes what 2f+1 may all have executed): vote only when
  // a peer that still needs it asks (catch-up.ts), not to everyone: n^2 messages per seq saved.
  if (!r.isPrimary() && slot.sentPrepare === undefined && slot.decidedHex !== hx)
    broadcastVote(r, slot, 'prepare');
  checkPrepared(r, slot);
  checkConflicts(r, slot);
  if (slot.decidedHex !== undefined) executeReady(r);
}

/** This replica's prepare or commit for the slot's pre-prepare, recorded as its own vote. */
function vote(r: PbftState, slot: Slot, kind: 'prepare' | 'commit'): Prepare | Commit | undefined {
  if (slot.ppDigest === undefined || slot.ppHex === undefined) return undefined;
  const body = { kind, view: r.view, seq: slot.seq, digest: slot.ppDigest };
  const m = { ...body, auth: authenticate(r.env.crypto, r.members, r.self, body) };
  if (kind === 'prepare') {
    slot.sentPrepare = m as Prepare;
    slot.prepares.set(r.self, slot.ppHex);
  } else {
    slot.sentCommit = m as Commit;
    slot.commits.set(r.self, slot.ppHex);
  }
  return m;
}

function broadcastVote(r: PbftState, slot: Slot, kind: 'prepare' | 'commit'): void {
  const m = vote(r, slot, kind);
  if (m !== undefined) r.env.broadcast(m);
}

/**
 * A peer asks for a slot this replica decided and the current view re-proposes: a decision is
 * final, so this replica may vote for it without the prepares it may never see again.
 */
export function votesForDecided(r: PbftState, slot: Slot): void {
  if (slot.view !== r.view || !r.active || slot.ppHex === undefined || slot.decidedHex !== slot.ppHex) return;
  if (!r.isPrimary() && slot.sentPrepare === undefined) vote(r, slot, 'prepare');
  if (slot.sentCommit === undefined) vote(r, slot, 'commit');
}

export function onVote(r: PbftState, from: NodeId, m: Prepare | Commit): void {
  if (!admit(r, from, checkVote(r, from, m))) return;
  const slot = r.log.at(m.seq, r.view);
  (m.kind === 'prepare' ? slot.prepares : slot.commits).set(from, hex(m.digest));
  noteSeen(r, m.seq);
  if (m.kind === 'prepare') {
    checkPrepared(r, slot);
    checkConflicts(r, slot);
  } else {
    checkCommitted(r, slot);
  }
}

/** prepared(m, v, n, i): the pre-prepare and 2f matching prepares from distinct backups. */
function checkPrepared(r: PbftState, slot: Slot): void {
  if (slot.prepared || slot.ppHex === undefined || slot.ppDigest === undefined) return;
  if (countVotes(slot.prepares, slot.ppHex) < 2 * r.f) return;
  slot.prepared = true;
  slot.p = { digest: slot.ppDigest, hex: slot.ppHex, view: r.view };
  if (slot.sentCommit === undefined) broadcastVote(r, slot, 'commit');
  checkCommitted(r, slot);
}

/** committed-local(m, v, n, i): prepared and 2f+1 matching commits (its own among them). */
function checkCommitted(r: PbftState, slot: Slot): void {
  if (!slot.prepared || slot.committed || slot.ppHex === undefined || slot.ppDigest === undefined) return;
  if (countVotes(slot.commits, slot.ppHex) < r.quorum) return;
  slot.committed = true;
  decide(r, slot, slot.ppDigest, slot.ppHex);
}

/**
 * f+1 backups prepared another digest than the one the primary sent here: at least one of them
 * is correct and got it from the primary, so the primary equivocated. Replace it now rather than
 * wait for a request timer.
 */
function checkConflicts(r: PbftState, slot: Slot): void {
  if (slot.ppHex === undefined || r.isPrimary() || !r.active) return;
  let other = 0;
  for (const v of slot.prepares.values()) if (v !== slot.ppHex) other++;
  if (other < r.weak) return;
  r.suspect(r.primary, 'EQUIVOCATION');
  startViewChange(r, r.view + 1);
}

/** The batch at this seq is final: committed here, or claimed committed by f+1 replicas. */
export function decide(r: PbftState, slot: Slot, digest: Uint8Array, hx: string): void {
  if (slot.decidedHex !== undefined) {
    if (slot.decidedHex !== hx)
      r.env.log.log('error', 'pbft-conflicting-decision', { seq: slot.seq, had: slot.decidedHex, got: hx });
    return;
  }
  slot.decided = digest;
  slot.decidedHex = hx;
  executeReady(r);
}
