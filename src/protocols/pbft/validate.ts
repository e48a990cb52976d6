/**
 * Semantic checks on PBFT messages, apart from the handlers (STYLE.md, Messages). The codec has
 * bounded every field; these say whether a message makes sense here and now: accept, ignore
 * (stale, duplicate, not for this view) or reject with a code (the sender broke the protocol and
 * is reported). A reject with `primaryFault` proves the primary of the current view faulty (it
 * authenticated something no correct primary would), and the replica moves to the next view.
 */
import type { ClientRequest } from '../../core/env.js';
import { isClientId, type NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import {
  batchDigest,
  newViewBytes,
  verifyAuth,
  verifyCheckpoint,
  verifyProof,
  viewChangeBytes,
  verifyViewChangeSig,
} from './certificates.js';
import {
  Q_PER_SEQ_MAX,
  type Checkpoint,
  type Commit,
  type Decided,
  type NewView,
  type PrePrepare,
  type Prepare,
  type ViewChangeBody,
} from './messages.js';
import { verifyRequestFor } from '../../smr/request-auth.js';
import type { PbftState } from './state.js';
import { requestKey } from './stores.js';
import { bytesEqual, hex } from '../../core/bytes.js';

export type IgnoreCode =
  | 'WRONG_VIEW'
  | 'NOT_ACTIVE'
  | 'STALE'
  | 'BEYOND_WATERMARK'
  | 'DUPLICATE'
  /** A relayed message whose MAC for this replica fails: the relayer could not have checked it. */
  | 'UNAUTHENTICATED'
  /**
   * A pre-prepare with a request whose client MAC for this replica fails: a forging primary, or
   * a faulty client whose authenticator is good for the primary only; nobody's provable fault.
   */
  | 'REQUEST_UNAUTHENTICATED';
export type RejectCode =
  | 'NOT_MEMBER'
  | 'BAD_MAC'
  | 'BAD_DIGEST'
  | 'BAD_BATCH'
  | 'BAD_REQUEST'
  | 'EQUIVOCATION'
  | 'PREPARE_FROM_PRIMARY'
  | 'BAD_SIGNATURE'
  | 'BAD_PROOF'
  | 'BAD_CHECKPOINT'
  | 'BAD_ENTRIES'
  | 'FORGED_SENDER'
  | 'BAD_NEW_VIEW'
  | 'NEW_VIEW_MISMATCH';

export type Verdict =
  | { readonly verdict: 'accept' }
  | { readonly verdict: 'ignore'; readonly code: IgnoreCode }
  | { readonly verdict: 'reject'; readonly code: RejectCode; readonly primaryFault?: boolean };

const ACCEPT: Verdict = { verdict: 'accept' };
const ignore = (code: IgnoreCode): Verdict => ({ verdict: 'ignore', code });
const reject = (code: RejectCode, primaryFault = false): Verdict => ({
  verdict: 'reject',
  code,
  primaryFault,
});

/** A request a correct client could have sent (its channel authenticated the client id). */
export function isValidRequest(r: ClientRequest): boolean {
  return isClientId(r.client) && r.lowWater < r.requestId;
}

/** A batch a correct primary could have cut: valid requests, none twice, within the byte bound. */
export function isValidBatch(requests: readonly ClientRequest[]): boolean {
  const keys = new Set<string>();
  let bytes = 0;
  for (const r of requests) {
    if (!isValidRequest(r)) return false;
    const k = requestKey(r);
    if (keys.has(k)) return false;
    keys.add(k);
    bytes += r.op.byteLength;
  }
  return bytes <= limits.batchBytesMax;
}

/**
 * OSDI §4.1: every request of a batch carries its client's MAC for this replica (its entry at
 * this replica's rank), so a request the primary made up in a client's name is never prepared.
 */
export function isAuthenticatedBatch(r: PbftState, requests: readonly ClientRequest[]): boolean {
  for (const q of requests) if (!verifyRequestFor(r.env.crypto, r.rank, q)) return false;
  return true;
}

function window(r: PbftState, seq: number): Verdict | undefined {
  if (seq <= r.h) return ignore('STALE');
  if (seq > r.high) return ignore('BEYOND_WATERMARK');
  return undefined;
}

/**
 * OSDI §4.2: accept a pre-prepare only in view v, within the watermarks, authenticated by the
 * primary, with a digest that names its batch, and no other digest for (v, n). Another replica
 * may relay it (catch-up): the MAC still proves the primary sent it, so equivocation is the
 * primary's fault, and a batch that does not match the digest is the relayer's. A wrong MAC in a
 * relayed copy is nobody's provable fault (the relayer can check only its own entry): ignored.
 * OSDI §4.1: each request must carry its client's MAC for this replica; if one does not, this
 * replica cannot tell a forging primary from a faulty client, so it ignores the pre-prepare and
 * leaves a primary that persists to the request timer (README.md, "Requests").
 */
export function checkPrePrepare(r: PbftState, from: NodeId, m: PrePrepare): Verdict {
  if (!r.isMember(from)) return reject('NOT_MEMBER');
  if (m.view !== r.view) return ignore('WRONG_VIEW');
  if (!r.active) return ignore('NOT_ACTIVE');
  if (r.isPrimary()) return ignore('DUPLICATE');
  const w = window(r, m.seq);
  if (w !== undefined) return w;
  const direct = from === r.primary;
  const body = { kind: 'prePrepare', view: m.view, seq: m.seq, digest: m.digest } as const;
  if (!verifyAuth(r.env.crypto, r.rank, r.primary, body, m.auth))
    return direct ? reject('BAD_MAC', true) : ignore('UNAUTHENTICATED');
  const slot = r.log.get(m.seq);
  const hx = hex(m.digest);
  if (slot !== undefined && slot.view === r.view && slot.ppHex !== undefined) {
    if (slot.ppHex !== hx) return reject('EQUIVOCATION', true);
    if (slot.batches.has(hx)) return ignore('DUPLICATE');
  }
  if (!bytesEqual(batchDigest(r.env.crypto, m.requests), m.digest)) return reject('BAD_DIGEST', direct);
  if (!isValidBatch(m.requests)) return reject('BAD_BATCH', true);
  if (!isAuthenticatedBatch(r, m.requests)) return ignore('REQUEST_UNAUTHENTICATED');
  return ACCEPT;
}

/** OSDI §4.2: prepares come from backups, commits from anyone, in view v, within the watermarks. */
export function checkVote(r: PbftState, from: NodeId, m: Prepare | Commit): Verdict {
  if (!r.isMember(from)) return reject('NOT_MEMBER');
  if (m.kind === 'prepare' && from === r.primaryOf(m.view)) return reject('PREPARE_FROM_PRIMARY');
  if (m.view !== r.view) return ignore('WRONG_VIEW');
  if (!r.active) return ignore('NOT_ACTIVE');
  const w = window(r, m.seq);
  if (w !== undefined) return w;
  const body = { kind: m.kind, view: m.view, seq: m.seq, digest: m.digest };
  if (!verifyAuth(r.env.crypto, r.rank, from, body, m.auth)) return reject('BAD_MAC');
  const slot = r.log.get(m.seq);
  if (slot !== undefined && slot.view === r.view) {
    const prev = (m.kind === 'prepare' ? slot.prepares : slot.commits).get(from);
    if (prev !== undefined) return prev === hex(m.digest) ? ignore('DUPLICATE') : reject('EQUIVOCATION');
  }
  return ACCEPT;
}

/** OSDI §4.3: a signed checkpoint at a multiple of K above h; it may be relayed (a proof). */
export function checkCheckpoint(r: PbftState, from: NodeId, m: Checkpoint): Verdict {
  if (!r.isMember(from) || !r.isMember(m.replica)) return reject('NOT_MEMBER');
  if (m.seq === 0 || m.seq % r.t.checkpointInterval !== 0) return reject('BAD_CHECKPOINT');
  if (m.seq <= r.h) return ignore('STALE');
  if (!verifyCheckpoint(r.env.crypto, m)) return reject('BAD_SIGNATURE');
  return ACCEPT;
}

/** P and Q entries above the sender's checkpoint, within L, from earlier views, in canonical order. */
function entriesWellFormed(vc: ViewChangeBody, logSize: number): boolean {
  const top = vc.stableSeq + logSize;
  let last = vc.stableSeq;
  for (const e of vc.prepared) {
    if (e.seq <= last || e.seq > top || e.view >= vc.view) return false;
    last = e.seq;
  }
  let lastSeq = vc.stableSeq;
  let lastHex = '';
  let perSeq = 0;
  for (const e of vc.prePrepared) {
    if (e.seq <= vc.stableSeq || e.seq > top || e.view >= vc.view) return false;
    const hx = hex(e.digest);
    if (e.seq < lastSeq || (e.seq === lastSeq && hx <= lastHex)) return false;
    perSeq = e.seq === lastSeq ? perSeq + 1 : 1;
    if (perSeq > Q_PER_SEQ_MAX) return false;
    lastSeq = e.seq;
    lastHex = hx;
  }
  return true;
}

/**
 * OSDI §4.4: a view-change is signed by its sender and carries a valid stable-checkpoint proof
 * (2f+1 signatures) and well-formed P and Q sets. Verified signatures and proofs are remembered,
 * so a new-view that carries them again costs little.
 */
export function checkViewChangeBody(r: PbftState, vc: ViewChangeBody): Verdict {
  if (!r.isMember(vc.replica)) return reject('NOT_MEMBER');
  if (vc.view === 0 || vc.stableSeq % r.t.checkpointInterval !== 0) return reject('BAD_ENTRIES');
  if (!entriesWellFormed(vc, r.t.logSize)) return reject('BAD_ENTRIES');
  const crypto = r.env.crypto;
  const sigKey = `vc:${hex(crypto.digest(viewChangeBytes(vc)))}:${hex(vc.sig)}`;
  if (!r.verified.has(sigKey)) {
    if (!verifyViewChangeSig(crypto, vc)) return reject('BAD_SIGNATURE');
    r.noteVerified(sigKey);
  }
  const proofKey = `cp:${vc.stableSeq}:${hex(vc.stableDigest)}`;
  if (!r.verified.has(proofKey)) {
    const member = (n: NodeId) => r.isMember(n);
    if (!verifyProof(crypto, member, r.quorum, vc.stableSeq, vc.stableDigest, vc.proof))
      return reject('BAD_PROOF');
    r.noteVerified(proofKey);
  }
  return ACCEPT;
}

/**
 * OSDI §4.4: a new-view is signed by the primary of its view and carries 2f+1 valid view-changes
 * for that view from distinct replicas (its pre-prepares are recomputed in new-view.ts). A bad
 * signature may be a relayer's doing; bad contents under the primary's signature are the primary's.
 */
export function checkNewView(r: PbftState, nv: NewView): Verdict {
  if (nv.view === 0) return reject('BAD_NEW_VIEW');
  if (!r.env.crypto.verify(r.primaryOf(nv.view), newViewBytes(nv), nv.sig)) return reject('BAD_SIGNATURE');
  const seen = new Set<NodeId>();
  for (const vc of nv.viewChanges) {
    if (vc.view !== nv.view || seen.has(vc.replica)) return reject('BAD_NEW_VIEW', true);
    if (checkViewChangeBody(r, vc).verdict !== 'accept') return reject('BAD_NEW_VIEW', true);
    seen.add(vc.replica);
  }
  if (seen.size < r.quorum) return reject('BAD_NEW_VIEW', true);
  return ACCEPT;
}

/** Catch-up (TOCS, retransmission): a peer's authenticated claim that a batch committed at seq. */
export function checkDecided(r: PbftState, from: NodeId, m: Decided): Verdict {
  if (!r.isMember(from)) return reject('NOT_MEMBER');
  if (m.seq <= r.lastDelivered || m.seq <= r.h) return ignore('STALE');
  if (m.seq > r.high) return ignore('BEYOND_WATERMARK');
  const body = { kind: 'decided', seq: m.seq, digest: m.digest } as const;
  if (!verifyAuth(r.env.crypto, r.rank, from, body, m.auth)) return reject('BAD_MAC');
  const slot = r.log.get(m.seq);
  const hx = hex(m.digest);
  const prev = slot?.claims.get(from);
  if (prev !== undefined && prev !== hx) return reject('EQUIVOCATION');
  if (prev !== undefined && slot?.batches.has(hx)) return ignore('DUPLICATE');
  if (!bytesEqual(batchDigest(r.env.crypto, m.requests), m.digest)) return reject('BAD_DIGEST');
  if (!isValidBatch(m.requests)) return reject('BAD_BATCH');
  return ACCEPT;
}
