/**
 * Catch-up within the watermarks (TOCS, message retransmission): a replica whose execution
 * stalled on a gap asks its peers for the sequence numbers it lacks; each peer resends, for each,
 * either "decided" (it committed that batch: f+1 matching claims decide it, whatever view it was
 * agreed in) or its own normal-case messages of the current view (the primary's pre-prepare with
 * its authenticator, relayed as received, its own prepare and commit). Answers are bounded per
 * request and rate-limited per peer.
 *
 * Status: every replica multicasts where it stands now and then. A peer that is behind gets
 * proofs from the others: the stable checkpoint's 2f+1 signed messages (then smr transfers the
 * state), and the signed new-view of the current view (a restarted replica learns the view from
 * it, and can check it). f+1 statuses ahead of a replica tell it that it is behind.
 */
import type { NodeId } from '../../core/ids.js';
import { authenticate, batchDigest } from './certificates.js';
import { resendCheckpoint, sendStableProof } from './checkpoints.js';
import { executeReady } from './execution.js';
import { countVotes, type Slot } from './log.js';
import type { BatchMessage, Decided, Fetch, Status } from './messages.js';
import { admit, decide, votesForDecided } from './normal-case.js';
import type { PbftState } from './state.js';
import { checkDecided, isValidBatch } from './validate.js';
import { bytesEqual, hex } from '../../core/bytes.js';

/** A message mentioned `seq`: if it is beyond what was delivered, there is something to catch up on. */
export function noteSeen(r: PbftState, seq: number): void {
  if (seq <= r.knownHigh) return;
  r.knownHigh = Math.min(seq, r.high);
  armFetch(r);
}

/** The catch-up interval: fetchMs, doubled per fetch that brought no progress (up to 8x). */
function fetchIntervalMs(r: PbftState): number {
  return r.t.fetchMs * 2 ** r.fetchBackoff;
}

export function armFetch(r: PbftState): void {
  if (r.fetchArmed || r.knownHigh <= r.lastDelivered) return;
  r.fetchArmed = true;
  r.env.setTimer(fetchIntervalMs(r), { kind: 'fetch' });
}

export function onFetchTimer(r: PbftState): void {
  r.fetchArmed = false;
  if (r.knownHigh <= r.lastDelivered) return;
  if (r.env.now() - r.headSinceMs >= fetchIntervalMs(r)) {
    fetchNow(r);
    r.fetchBackoff = Math.min(r.fetchBackoff + 1, 3);
  }
  armFetch(r);
}

/** f+1 peers report having executed beyond this replica (one of them is correct). */
export function isBehind(r: PbftState): boolean {
  return (
    kthHighest(
      [...r.peers.values()].map((s) => s.lastExecuted),
      r.weak,
    ) > r.lastDelivered
  );
}

function kthHighest(values: number[], k: number): number {
  if (values.length < k) return 0;
  values.sort((a, b) => b - a);
  return values[k - 1] as number;
}

/** Ask every peer for the seqs after the last delivered; the primary also resends its own pre-prepares. */
export function fetchNow(r: PbftState): void {
  if (r.stateTarget !== undefined) return;
  const fromSeq = r.lastDelivered + 1;
  const toSeq = Math.min(Math.max(r.knownHigh, fromSeq), fromSeq + r.t.fetchSeqsMax - 1, r.high);
  if (toSeq < fromSeq) return;
  r.counters.fetchesSent++;
  r.env.broadcast({ kind: 'fetch', view: r.view, fromSeq, toSeq });
  if (!r.active || !r.isPrimary()) return;
  // Pre-prepares that no backup may have received (none prepared them here yet) go out again.
  for (let s = fromSeq; s <= toSeq; s++) {
    const slot = r.log.get(s);
    if (slot?.pp !== undefined && slot.view === r.view && !slot.prepared) r.env.broadcast(slot.pp);
  }
}

export function onFetch(r: PbftState, from: NodeId, m: Fetch): void {
  if (!r.isMember(from) || from === r.self) return;
  if (!r.mayServe('fetch', from, r.t.fetchMs / 2)) return;
  if (m.fromSeq <= r.h && r.h > 0) sendStableProof(r, from);
  const first = Math.max(m.fromSeq, r.h + 1);
  const last = Math.min(m.toSeq, first + r.t.fetchSeqsMax - 1, r.high);
  for (let s = first; s <= last; s++) {
    const slot = r.log.get(s);
    if (slot !== undefined) resendSlot(r, from, slot, m.view);
  }
}

function batchOf(r: PbftState, slot: Slot, hx: string) {
  return hx === r.nullHex ? [] : slot.batches.get(hx);
}

/**
 * What this replica has for one seq: its decision, and its own messages of the requester's view
 * (even if this replica has left that view: they are still what it said, and may be what the
 * requester lacks to commit in it).
 */
function resendSlot(r: PbftState, to: NodeId, slot: Slot, view: number): void {
  if (slot.decidedHex !== undefined && slot.decided !== undefined) {
    const requests = batchOf(r, slot, slot.decidedHex);
    if (requests !== undefined) {
      const body = { kind: 'decided', seq: slot.seq, digest: slot.decided } as const;
      const auth = authenticate(r.env.crypto, r.members, r.self, body, to);
      r.env.send(to, { kind: 'decided', seq: slot.seq, digest: slot.decided, requests: [...requests], auth });
    }
  }
  if (view !== slot.view || slot.ppHex === undefined) return;
  votesForDecided(r, slot);
  if (slot.pp !== undefined) r.env.send(to, slot.pp);
  else {
    const requests = batchOf(r, slot, slot.ppHex);
    if (requests !== undefined && slot.ppDigest !== undefined)
      r.env.send(to, { kind: 'batch', seq: slot.seq, digest: slot.ppDigest, requests: [...requests] });
  }
  if (slot.sentPrepare !== undefined) r.env.send(to, slot.sentPrepare);
  if (slot.sentCommit !== undefined) r.env.send(to, slot.sentCommit);
}

export function onDecided(r: PbftState, from: NodeId, m: Decided): void {
  if (!admit(r, from, checkDecided(r, from, m))) return;
  // A decision is view-independent: the slot's messages of its own view stay (peers may need them).
  const slot = r.log.ensure(m.seq, r.view);
  const hx = hex(m.digest);
  slot.claims.set(from, hx);
  const votes = countVotes(slot.claims, hx);
  // Keep a claimed batch if it may be needed; a liar's batches cannot crowd out the decided one.
  if (!slot.batches.has(hx) && (slot.batches.size < 2 || votes >= r.weak || hx === slot.ppHex))
    slot.batches.set(hx, m.requests);
  noteSeen(r, m.seq);
  if (votes >= r.weak) decide(r, slot, m.digest, hx);
  else if (slot.decidedHex === hx) executeReady(r);
}

/** The contents of a batch this replica knows only by digest (a new-view's pre-prepare). */
export function onBatch(r: PbftState, from: NodeId, m: BatchMessage): void {
  if (!r.isMember(from) || !r.inWindow(m.seq)) return;
  const slot = r.log.get(m.seq);
  const hx = hex(m.digest);
  if (slot === undefined || slot.batches.has(hx)) return;
  if (hx !== slot.ppHex && hx !== slot.decidedHex && !slot.q.has(hx)) return;
  if (!bytesEqual(batchDigest(r.env.crypto, m.requests), m.digest) || !isValidBatch(m.requests))
    return r.suspect(from, 'BAD_DIGEST');
  slot.batches.set(hx, m.requests);
  executeReady(r);
}

export function broadcastStatus(r: PbftState): void {
  r.env.broadcast({
    kind: 'status',
    view: r.view,
    active: r.active,
    stableSeq: r.h,
    lastExecuted: r.lastDelivered,
  });
}

export function onStatusTimer(r: PbftState): void {
  broadcastStatus(r);
  resendCheckpoint(r);
  r.env.setTimer(r.t.statusMs, { kind: 'status' });
}

export function onStatus(r: PbftState, from: NodeId, m: Status): void {
  if (!r.isMember(from) || from === r.self) return;
  r.peers.set(from, m);
  const ahead = kthHighest(
    [...r.peers.values()].map((s) => s.lastExecuted),
    r.weak,
  );
  if (ahead > r.lastDelivered) noteSeen(r, ahead);
  if (!r.mayServe('status', from, r.t.statusMs / 2)) return;
  if (m.stableSeq < r.h) sendStableProof(r, from);
  const behindView = m.view < r.view || (m.view === r.view && !m.active);
  if (!behindView) return;
  if (r.active && r.newView !== undefined) r.env.send(from, r.newView);
  else if (!r.active && r.myViewChange !== undefined) r.env.send(from, r.myViewChange);
}
