/**
 * What ITUA members sign and check (seed 003, "System Model": digests and public-key signatures).
 * Each statement is the canonical encoding of a record with a domain label, so a signature made
 * for one purpose never verifies for another, and a signature made in one view never verifies in
 * the next (ranks change between views).
 */
import { encodeBody } from '../../codec/frame.js';
import type { CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';
import { bytesEqual } from '../../core/bytes.js';
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
// A member signs its replies in batches: the leaves of a Merkle tree are the digests it replies
// to (padded to a power of two), and one signature covers the root. A reply's proof is that
// signature, its leaf index and the sibling hashes up to the root. Whoever checked a batch's
// signature remembers it (`VerifiedBatches`), so a certificate whose replies were signed in
// batches it has seen costs hashing only: when every member multicasts at once, each member checks
// each other member's signature about once per batch instead of once per message.

/** The most replies one signature covers. */
export const REPLY_BATCH_MAX = 2 ** REPLY_PATH_MAX;

/** One reply to sign: the multicast and the digest the replier saw for it. */
export interface ReplyItem {
  readonly id: MulticastId;
  readonly digest: Uint8Array;
}

/**
 * The canonical encoding of an inner node (replyNodeSchema), written by hand into one scratch
 * buffer: it is hashed many times per certificate (the digest reads it before returning).
 */
const zeros = new Uint8Array(32);
const nodeScratch = encodeBody(replyNodeSchema, { domain: DOMAIN.replyNode, left: zeros, right: zeros });
if (nodeScratch.byteLength !== 4 + 2 * 32) throw new Error('replyNodeSchema: unexpected layout');

function replyNode(crypto: CryptoSuite, left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeScratch.set(left, 4);
  nodeScratch.set(right, 4 + 32);
  return crypto.digest(nodeScratch);
}

/** The leaf that pads a batch, once per suite (it is the same for every batch). */
const pads = new WeakMap<CryptoSuite, Uint8Array>();

function padLeaf(crypto: CryptoSuite): Uint8Array {
  let pad = pads.get(crypto);
  if (pad === undefined) {
    pad = crypto.digest(encodeBody(replyPadSchema, { domain: DOMAIN.replyPad }));
    pads.set(crypto, pad);
  }
  return pad;
}

function rootStatement(view: number, root: Uint8Array): Uint8Array {
  return encodeBody(replyRootSchema, { domain: DOMAIN.replyRoot, view, root });
}

/**
 * Signs the replies to `items` (at most REPLY_BATCH_MAX, all of one view) with one signature;
 * returns each one's proof, in order, and the tree's levels (leaves first, root last; none for a
 * reply alone). A batch's leaves are the digests of {m, i, s} themselves: a digest already names
 * the view, sender and sequence number (messageContentSchema), and a verifier computes it from the
 * message, so no leaf can be passed off as an inner node (that would take a preimage). A reply
 * alone is signed as a reply statement (ITR1, an empty path says so, no hashing), a root as a root
 * statement (ITB1): neither stands for the other.
 */
export function signReplies(
  crypto: CryptoSuite,
  view: number,
  items: readonly ReplyItem[],
): { readonly levels: readonly (readonly Uint8Array[])[]; readonly proofs: ReplyProof[] } {
  if (items.length === 0 || items.length > REPLY_BATCH_MAX) throw new RangeError('reply batch size');
  const only = items.length === 1 ? items[0] : undefined;
  if (only !== undefined) {
    return {
      levels: [],
      proofs: [{ sig: crypto.sign(replyStatement(only.id, only.digest)), index: 0, path: [] }],
    };
  }
  let width = 1;
  while (width < items.length) width *= 2;
  const pad = width > items.length ? padLeaf(crypto) : undefined;
  const levels: Uint8Array[][] = [
    Array.from({ length: width }, (_, i) => {
      const item = items[i];
      return item === undefined ? (pad as Uint8Array) : item.digest;
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
  return { levels, proofs };
}

/** The nodes from the leaf up to the root that a proof's path gives. */
function chainFrom(
  crypto: CryptoSuite,
  leaf: Uint8Array,
  proof: Pick<ReplyProof, 'index' | 'path'>,
): Uint8Array[] {
  const chain = [leaf];
  let h = leaf;
  let i = proof.index;
  for (const sibling of proof.path) {
    h = i % 2 === 0 ? replyNode(crypto, h, sibling) : replyNode(crypto, sibling, h);
    chain.push(h);
    i = Math.floor(i / 2);
  }
  return chain;
}

/** Signed batches remembered at most (each holds at most 2 × REPLY_BATCH_MAX node hashes). */
const BATCHES_MAX = 1024;

/** A node's place in a tree: its level (0: leaves) and its index in that level. */
const place = (level: number, index: number): number => level * 2 * REPLY_BATCH_MAX + index;

/** A signed batch whose signature was checked (or made): its depth and the nodes known to be in it. */
interface KnownBatch {
  readonly depth: number;
  readonly nodes: Map<number, Uint8Array>;
}

/**
 * Reply batches whose signatures this member checked (or made), by signer and exact signature
 * bytes, so a certificate that passes here passes at every correct member it is relayed to. With
 * each, the tree nodes authenticated so far (those computed on checked paths, their siblings and
 * the root): a later reply of the same batch is checked by hashing up from its leaf only until it
 * meets one of them, a hash or two instead of the whole path. Bounded: the oldest batches go.
 */
export class VerifiedBatches {
  private readonly batches = new Map<string, KnownBatch>();

  /** A batch I signed: every node of it is known. */
  addTree(rank: number, sig: Uint8Array, levels: readonly (readonly Uint8Array[])[]): void {
    const nodes = new Map<number, Uint8Array>();
    levels.forEach((level, l) => level.forEach((h, i) => nodes.set(place(l, i), h)));
    this.remember(key(rank, sig), { depth: levels.length - 1, nodes });
  }

  /**
   * Whether the proof joins a checked batch of `rank` signed with these very bytes: hashing up
   * from `leaf`, the path meets a node known to sit at that place.
   */
  joins(crypto: CryptoSuite, rank: number, leaf: Uint8Array, proof: ReplyProof): boolean {
    const known = this.batches.get(key(rank, proof.sig));
    if (known === undefined || known.depth !== proof.path.length) return false;
    let h = leaf;
    let i = proof.index;
    const learnt: [number, Uint8Array][] = [];
    for (let level = 0; level <= known.depth; level++) {
      const there = known.nodes.get(place(level, i));
      if (there !== undefined) {
        if (!bytesEqual(there, h)) return false;
        // The way up met the tree: the nodes on it, and the siblings they took, are in it too.
        for (const [p, node] of learnt) known.nodes.set(p, node);
        return true;
      }
      const sibling = proof.path[level];
      if (sibling === undefined) return false;
      learnt.push([place(level, i), h], [place(level, i ^ 1), sibling]);
      h = i % 2 === 0 ? replyNode(crypto, h, sibling) : replyNode(crypto, sibling, h);
      i = Math.floor(i / 2);
    }
    return false;
  }

  /** A proof whose root signature was just checked: `chain` (leaf to root) and its siblings are now known. */
  add(rank: number, proof: ReplyProof, chain: readonly Uint8Array[]): void {
    const k = key(rank, proof.sig);
    const prev = this.batches.get(k);
    const known =
      prev !== undefined && prev.depth === proof.path.length
        ? prev
        : { depth: proof.path.length, nodes: new Map<number, Uint8Array>() };
    let i = proof.index;
    chain.forEach((h, level) => {
      known.nodes.set(place(level, i), h);
      const sibling = proof.path[level];
      if (sibling !== undefined) known.nodes.set(place(level, i ^ 1), sibling);
      i = Math.floor(i / 2);
    });
    this.remember(k, known);
  }

  private remember(k: string, batch: KnownBatch): void {
    this.batches.delete(k);
    this.batches.set(k, batch);
    if (this.batches.size > BATCHES_MAX) this.batches.delete(this.batches.keys().next().value as string);
  }
}

function key(rank: number, sig: Uint8Array): string {
  return `${rank}:${Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString('base64')}`;
}

/** Whether `proof` shows that member `rank` (node `replierNode`) replied to `digest` for `id`. */
export function verifyReply(
  crypto: CryptoSuite,
  verified: VerifiedBatches,
  replierNode: NodeId,
  rank: number,
  id: MulticastId,
  digest: Uint8Array,
  proof: ReplyProof,
): boolean {
  // A reply signed alone: its own statement, checked once (nobody else's certificate shares it).
  if (proof.path.length === 0) {
    return proof.index === 0 && crypto.verify(replierNode, replyStatement(id, digest), proof.sig);
  }
  // One encoding per proof: the index must name a leaf of a tree as deep as the path.
  if (proof.index >= 2 ** proof.path.length) return false;
  // The leaf is the digest itself (see signReplies).
  if (verified.joins(crypto, rank, digest, proof)) return true;
  const chain = chainFrom(crypto, digest, proof);
  if (!crypto.verify(replierNode, rootStatement(id.view, chain.at(-1) as Uint8Array), proof.sig)) {
    return false;
  }
  verified.add(rank, proof, chain);
  return true;
}

/**
 * Whether `cert` proves that `needed` members other than the sender replied to `digest` (with
 * the sender's own digest signature, the paper's 2f+1). Entries must name members in strictly
 * increasing rank, so a certificate has one canonical form and no member counts twice.
 */
export function verifyCertificate(
  crypto: CryptoSuite,
  verified: VerifiedBatches,
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
