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
  REPLY_PATH_MAX,
  digestStatementSchema,
  messageContentSchema,
  replyNodeSchema,
  replyPadSchema,
  replyRootSchema,
  replyStatementSchema,
  reportStatementSchema,
  type CertEntry,
  type ReplyProof,
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

// ---- phase 2: replies, signed in batches ------------------------------------------------------
//
// A member signs its replies in batches: the leaves of a Merkle tree are the reply statements
// (padded to a power of two), and one signature covers the root. A reply's proof is that
// signature, its leaf index and the sibling hashes up to the root. Whoever checked one root's
// signature remembers it (`VerifiedRoots`), so a certificate whose replies were signed in batches
// it has seen costs hashing only: when every member multicasts at once, each member checks each
// other member's signature about once per batch instead of once per message.

/** The most replies one signature covers. */
export const REPLY_BATCH_MAX = 2 ** REPLY_PATH_MAX;

/** One reply to sign: the multicast and the digest the replier saw for it. */
export interface ReplyItem {
  readonly id: MulticastId;
  readonly digest: Uint8Array;
}

function replyLeaf(crypto: CryptoSuite, id: MulticastId, digest: Uint8Array): Uint8Array {
  return crypto.digest(replyStatement(id, digest));
}

function replyNode(crypto: CryptoSuite, left: Uint8Array, right: Uint8Array): Uint8Array {
  return crypto.digest(encodeBody(replyNodeSchema, { domain: DOMAIN.replyNode, left, right }));
}

function rootStatement(view: number, root: Uint8Array): Uint8Array {
  return encodeBody(replyRootSchema, { domain: DOMAIN.replyRoot, view, root });
}

/**
 * Signs the replies to `items` (at most REPLY_BATCH_MAX, all of one view) with one signature;
 * returns each one's proof, in order, and the root the signature covers.
 */
export function signReplies(
  crypto: CryptoSuite,
  view: number,
  items: readonly ReplyItem[],
): { readonly root: Uint8Array; readonly proofs: ReplyProof[] } {
  if (items.length === 0 || items.length > REPLY_BATCH_MAX) throw new RangeError('reply batch size');
  let width = 1;
  while (width < items.length) width *= 2;
  const pad = crypto.digest(encodeBody(replyPadSchema, { domain: DOMAIN.replyPad }));
  const levels: Uint8Array[][] = [
    Array.from({ length: width }, (_, i) => {
      const item = items[i];
      return item === undefined ? pad : replyLeaf(crypto, item.id, item.digest);
    }),
  ];
  for (let level = levels[0] as Uint8Array[]; level.length > 1;) {
    const up: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(replyNode(crypto, level[i]!, level[i + 1]!));
    levels.push(up);
    level = up;
  }
  const root = (levels[levels.length - 1] as Uint8Array[])[0] as Uint8Array;
  const sig = crypto.sign(rootStatement(view, root));
  const proofs = items.map((_, index) => {
    const path: Uint8Array[] = [];
    for (let d = 0, i = index; d < levels.length - 1; d++, i >>= 1)
      path.push((levels[d] as Uint8Array[])[i ^ 1]!);
    return { sig, index, path };
  });
  return { root, proofs };
}

/** The root a proof leads to from the reply to `digest` for `id`; undefined if the index does not fit the path. */
export function replyRoot(
  crypto: CryptoSuite,
  id: MulticastId,
  digest: Uint8Array,
  proof: Pick<ReplyProof, 'index' | 'path'>,
): Uint8Array | undefined {
  // One encoding per proof: the index must name a leaf of a tree as deep as the path.
  if (proof.index >= 2 ** proof.path.length) return undefined;
  let h = replyLeaf(crypto, id, digest);
  let i = proof.index;
  for (const sibling of proof.path) {
    h = i % 2 === 0 ? replyNode(crypto, h, sibling) : replyNode(crypto, sibling, h);
    i = Math.floor(i / 2);
  }
  return h;
}

const ROOTS_MAX = 4096;

/**
 * Root signatures this member has checked (or made), by signer: exact bytes, so a certificate
 * that passes here passes at every correct member it is relayed to. Bounded: the oldest go.
 */
export class VerifiedRoots {
  private readonly keys = new Set<string>();

  has(rank: number, root: Uint8Array, sig: Uint8Array): boolean {
    return this.keys.has(key(rank, root, sig));
  }

  add(rank: number, root: Uint8Array, sig: Uint8Array): void {
    const k = key(rank, root, sig);
    if (this.keys.has(k)) return;
    this.keys.add(k);
    if (this.keys.size > ROOTS_MAX) this.keys.delete(this.keys.values().next().value as string);
  }
}

function key(rank: number, root: Uint8Array, sig: Uint8Array): string {
  const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
  return `${rank}:${b64(root)}:${b64(sig)}`;
}

/** Whether `proof` shows that member `rank` (node `replierNode`) replied to `digest` for `id`. */
export function verifyReply(
  crypto: CryptoSuite,
  verified: VerifiedRoots,
  replierNode: NodeId,
  rank: number,
  id: MulticastId,
  digest: Uint8Array,
  proof: ReplyProof,
): boolean {
  const root = replyRoot(crypto, id, digest, proof);
  if (root === undefined) return false;
  if (verified.has(rank, root, proof.sig)) return true;
  if (!crypto.verify(replierNode, rootStatement(id.view, root), proof.sig)) return false;
  verified.add(rank, root, proof.sig);
  return true;
}

/**
 * Whether `cert` proves that `needed` members other than the sender replied to `digest` (with
 * the sender's own digest signature, the paper's 2f+1). Entries must name members in strictly
 * increasing rank, so a certificate has one canonical form and no member counts twice.
 */
export function verifyCertificate(
  crypto: CryptoSuite,
  verified: VerifiedRoots,
  nodeOf: (rank: number) => NodeId | undefined,
  id: MulticastId,
  digest: Uint8Array,
  cert: readonly CertEntry[],
  needed: number,
): boolean {
  if (cert.length < needed) return false;
  let previous = -1;
  for (const entry of cert) {
    if (entry.rank <= previous || entry.rank === id.sender) return false;
    previous = entry.rank;
    const node = nodeOf(entry.rank);
    if (node === undefined || !verifyReply(crypto, verified, node, entry.rank, id, digest, entry))
      return false;
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
