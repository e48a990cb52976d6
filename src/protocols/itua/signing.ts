/**
 * What ITUA members sign and check (seed 003, "System Model": digests and public-key signatures).
 * Each statement is the canonical encoding of a record with a domain label, so a signature made
 * for one purpose never verifies for another, and a signature made in one view never verifies in
 * the next (ranks change between views).
 */
import { encodeBody } from '../../codec/frame.js';
import type { CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';
import {
  DOMAIN,
  digestStatementSchema,
  messageContentSchema,
  replyStatementSchema,
  reportStatementSchema,
  type CertEntry,
  type SignedDigest,
} from './messages.js';

/** Which multicast a statement is about. */
export interface MulticastId {
  readonly view: number;
  readonly sender: number;
  readonly seq: number;
}

/** The digest of the data segment {m, i, s} (the paper's phase 1), scoped to the view. */
export function messageDigest(crypto: CryptoSuite, id: MulticastId, body: Uint8Array): Uint8Array {
  const content = { domain: DOMAIN.content, view: id.view, sender: id.sender, seq: id.seq, body };
  return crypto.digest(encodeBody(messageContentSchema, content));
}

function digestStatement(id: MulticastId, digest: Uint8Array): Uint8Array {
  return encodeBody(digestStatementSchema, { domain: DOMAIN.digest, ...pick(id), digest });
}

function replyStatement(id: MulticastId, digest: Uint8Array): Uint8Array {
  return encodeBody(replyStatementSchema, { domain: DOMAIN.reply, ...pick(id), digest });
}

function pick(id: MulticastId): MulticastId {
  return { view: id.view, sender: id.sender, seq: id.seq };
}

export function signDigest(crypto: CryptoSuite, id: MulticastId, digest: Uint8Array): SignedDigest {
  return { digest, sig: crypto.sign(digestStatement(id, digest)) };
}

/** Whether `signed` is the sender's own signature over a digest of (view, sender, seq). */
export function verifyDigest(
  crypto: CryptoSuite,
  senderNode: NodeId,
  id: MulticastId,
  signed: SignedDigest,
): boolean {
  return crypto.verify(senderNode, digestStatement(id, signed.digest), signed.sig);
}

export function signReply(crypto: CryptoSuite, id: MulticastId, digest: Uint8Array): Uint8Array {
  return crypto.sign(replyStatement(id, digest));
}

export function verifyReply(
  crypto: CryptoSuite,
  replierNode: NodeId,
  id: MulticastId,
  digest: Uint8Array,
  sig: Uint8Array,
): boolean {
  return crypto.verify(replierNode, replyStatement(id, digest), sig);
}

/**
 * Whether `cert` proves that `quorum` distinct members replied to `digest` (the paper's 2f+1
 * signatures). Entries must name members in strictly increasing rank, so a certificate has one
 * canonical form and no member counts twice. `known` is an entry the caller holds as valid for
 * this statement already (its own reply), which is not verified again.
 */
export function verifyCertificate(
  crypto: CryptoSuite,
  nodeOf: (rank: number) => NodeId | undefined,
  id: MulticastId,
  digest: Uint8Array,
  cert: readonly CertEntry[],
  quorum: number,
  known?: CertEntry,
): boolean {
  if (cert.length < quorum) return false;
  // Every entry signs the same statement: encode it once.
  const statement = replyStatement(id, digest);
  let previous = -1;
  for (const entry of cert) {
    if (entry.rank <= previous) return false;
    previous = entry.rank;
    // The caller's own reply to this very statement needs no second check (the member signed it).
    if (known !== undefined && entry.rank === known.rank && bytesEqual(entry.sig, known.sig)) continue;
    const node = nodeOf(entry.rank);
    if (node === undefined || !crypto.verify(node, statement, entry.sig)) return false;
  }
  return true;
}

/** A stability array's two vectors (see `st-report`). */
export interface Progress {
  readonly received: readonly number[];
  readonly consumed: readonly number[];
}

function reportStatement(view: number, reporter: number, p: Progress): Uint8Array {
  return encodeBody(reportStatementSchema, {
    domain: DOMAIN.report,
    view,
    reporter,
    received: [...p.received],
    consumed: [...p.consumed],
  });
}

export function signReport(crypto: CryptoSuite, view: number, reporter: number, p: Progress): Uint8Array {
  return crypto.sign(reportStatement(view, reporter, p));
}

export function verifyReport(
  crypto: CryptoSuite,
  reporterNode: NodeId,
  view: number,
  reporter: number,
  p: Progress,
  sig: Uint8Array,
): boolean {
  return crypto.verify(reporterNode, reportStatement(view, reporter, p), sig);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
