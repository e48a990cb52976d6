/**
 * The acceptor (PMS §2.2 phases 1b and 2b): promise not to accept below a ballot, report what
 * was accepted, accept a proposal in a ballot at least the promised one. `promised` is the one
 * piece of acceptor state Paxos must never lose, which is why a replica that restarts without
 * it must not rejoin (index.ts, `recoversFromAmnesia`).
 */
import type { NodeId } from '../../core/ids.js';
import { compareBallots } from './ballot.js';
import { observeBallot } from './election.js';
import { markCommitted } from './learner.js';
import type { Accept, Ballot, Entry, Prepare, PromiseMessage } from './messages.js';
import type { PaxosState } from './state.js';

/** Phase 1b: promise `m.ballot` and report every slot accepted from `m.fromSeq` on. */
export function onPrepare(r: PaxosState, from: NodeId, m: Prepare): void {
  if (compareBallots(m.ballot, r.promised) < 0) return nack(r, from, m.ballot);
  observeBallot(r, m.ballot);
  r.heardAtMs = r.env.now();
  r.env.send(from, buildPromise(r, m.ballot, m.fromSeq));
}

/** Phase 2b: accept unless a higher ballot was promised; the slot must lie within this log's bound. */
export function onAccept(r: PaxosState, from: NodeId, m: Accept): void {
  if (compareBallots(m.ballot, r.promised) < 0) return nack(r, from, m.ballot);
  observeBallot(r, m.ballot);
  r.heardAtMs = r.env.now();
  // Far beyond the stable checkpoint this replica knows: it is behind; it catches up first.
  if (m.seq > r.stableSeq + 2 * r.t.logSize) return;
  // Executed here, hence chosen: the proposal can only carry the chosen value (PMS §2.2, P2c).
  if (m.seq > r.lastDelivered && m.seq > r.stableSeq) {
    const slot = r.log.get(m.seq);
    if (slot === undefined || !slot.decided)
      r.log.set(m.seq, { ballot: m.ballot, requests: m.requests, decided: false });
  }
  r.env.send(from, { kind: 'accepted', ballot: m.ballot, seq: m.seq });
  // The leader's commit may have overtaken this accept.
  markCommitted(r);
}

export function nack(r: PaxosState, to: NodeId, ballot: Ballot): void {
  r.env.send(to, { kind: 'nack', ballot, promised: r.promised });
}

/**
 * The promise for `ballot` from `fromSeq` on: this log's slots above its stable checkpoint, in
 * slot order, cut where the ops would pass `promiseBytesMax` (then `done` is false and the
 * candidate asks for the rest).
 */
export function buildPromise(r: PaxosState, ballot: Ballot, fromSeq: number): PromiseMessage {
  const start = Math.max(fromSeq, r.stableSeq + 1);
  const seqs = [...r.log.keys()].filter((s) => s >= start).sort((a, b) => a - b);
  const entries: Entry[] = [];
  let bytes = 0;
  let toSeq = fromSeq - 1;
  let done = true;
  for (const seq of seqs) {
    const slot = r.log.get(seq);
    if (slot === undefined) continue;
    const size = batchBytes(slot.requests);
    if (entries.length > 0 && bytes + size > r.t.promiseBytesMax) {
      done = false;
      break;
    }
    // A decided value outranks every ballot; it is reported under the promised one.
    entries.push({
      seq,
      ballot: slot.decided ? ballot : slot.ballot,
      decided: slot.decided,
      requests: slot.requests,
    });
    bytes += size;
    toSeq = seq;
  }
  return {
    kind: 'promise',
    ballot,
    fromSeq,
    toSeq: done ? Math.max(toSeq, fromSeq - 1) : toSeq,
    done,
    stableSeq: r.stableSeq,
    stableDigest: r.stableDigest,
    entries,
  };
}

/** What a batch weighs on the wire, near enough: ops, authenticators, fixed fields. */
function batchBytes(requests: Entry['requests']): number {
  let bytes = 0;
  for (const q of requests) bytes += q.op.byteLength + 32 * q.auth.length + 40;
  return bytes;
}
