/**
 * The ITUA stack's messages (seed 003, "Reliable Multicast Protocol" and "Total Ordering"): one
 * union for what travels between members, one union for what the Total layer puts inside a
 * reliable multicast (its header, as Ensemble layers add headers), and the statements members
 * sign. Tags are wire numbers: never reuse one. Every field is bounded (see `ituaLimits`).
 */
import { limits } from '../../core/limits.js';
import { DIGEST_BYTES, SIGNATURE_BYTES_MAX } from '../../core/crypto-suite.js';
import {
  bytes,
  fixedBytes,
  list,
  optional,
  struct,
  u16,
  u32,
  u64,
  union,
  type Infer,
} from '../../codec/schema.js';

export const ituaLimits = {
  /** A reliable multicast's body: the Total layer's header and the application's data. */
  bodyBytesMax: 64 * 1024,
  /** The application's data in one multicast: the body less the largest header (tag, order, length). */
  dataBytesMax: 64 * 1024 - 16,
  /** Members of one view (ranks are u16, so this also bounds every rank). */
  membersMax: limits.membersMax,
} as const;

const view = u32;
const rank = u16;
const seq = u64;
const digest = fixedBytes(DIGEST_BYTES, 'digest');
// Bounded, not fixed: an RSA suite's signatures (128 or 256 bytes, for the paper's experiments)
// travel in the same fields as Ed25519's 64 bytes; `verify` refuses any length but its own.
const sig = bytes(SIGNATURE_BYTES_MAX, 'signature');

/** A sender's signature over the digest statement of one of its multicasts (phase 1). */
export const signedDigestSchema = struct('SignedDigest', { digest, sig });
export type SignedDigest = Infer<typeof signedDigestSchema>;

/** A member signs its phase-2 replies in batches of at most 2^REPLY_PATH_MAX (see `replyProofSchema`). */
export const REPLY_PATH_MAX = 6;

/**
 * A phase-2 reply as a member signs it: replies are batched, and the member signs once the root
 * of a Merkle tree whose leaves are its reply statements (signing.ts). The proof of one reply is
 * that signature, the reply's leaf index and the sibling hashes from the leaf up to the root.
 */
const replyProof = {
  sig,
  index: u16,
  path: list(digest, REPLY_PATH_MAX, 'path'),
} as const;
export const replyProofSchema = struct('ReplyProof', replyProof);
export type ReplyProof = Infer<typeof replyProofSchema>;

/** One reply of a certificate: who replied, and the proof of its reply. */
export const certEntrySchema = struct('CertEntry', { rank, ...replyProof });
export type CertEntry = Infer<typeof certEntrySchema>;

export const ituaVariants = {
  /** Phase 1: the sender multicasts its signed digest of {m, i, s}. */
  'rm-digest': [1, { view, sender: rank, seq, digest, sig }],
  /** Phase 2: a member's signed reply to a digest, sent back to the sender. */
  'rm-reply': [2, { view, sender: rank, seq, digest, ...replyProof }],
  /**
   * Phase 3: the message itself, with the sender's signed digest and the reply certificate: 2f
   * replies of other members (the sender's digest signature stands for its own reply).
   */
  'rm-message': [
    3,
    {
      view,
      sender: rank,
      seq,
      body: bytes(ituaLimits.bodyBytesMax, 'body'),
      sig,
      cert: list(certEntrySchema, ituaLimits.membersMax, 'cert'),
    },
  ],
  /** A negative acknowledgement: resend the sender's messages fromSeq..toSeq; `held` is the digest I hold. */
  'rm-nak': [4, { view, sender: rank, fromSeq: seq, toSeq: seq, held: optional(signedDigestSchema) }],
  /** Evidence that `sender` signed two different digests under one sequence number. */
  'rm-proof': [5, { view, sender: rank, seq, first: signedDigestSchema, second: signedDigestSchema }],
  /**
   * The Stable layer's signed stability array: per sender, how many messages I received (the
   * Reliable layer delivered them to me: I hold them) and how many my application consumed.
   */
  'st-report': [
    6,
    {
      view,
      received: list(u64, ituaLimits.membersMax, 'received'),
      consumed: list(u64, ituaLimits.membersMax, 'consumed'),
      sig,
    },
  ],
} as const;

export const ituaSchema = union('Itua', ituaVariants);

export type ItuaMessage = Infer<typeof ituaSchema>;
export type DigestMessage = Extract<ItuaMessage, { kind: 'rm-digest' }>;
export type ReplyMessage = Extract<ItuaMessage, { kind: 'rm-reply' }>;
export type RmMessage = Extract<ItuaMessage, { kind: 'rm-message' }>;
export type NakMessage = Extract<ItuaMessage, { kind: 'rm-nak' }>;
export type ProofMessage = Extract<ItuaMessage, { kind: 'rm-proof' }>;
export type ReportMessage = Extract<ItuaMessage, { kind: 'st-report' }>;
export type ReliableMessage = DigestMessage | ReplyMessage | RmMessage | NakMessage | ProofMessage;

const data = bytes(ituaLimits.dataBytesMax, 'data');

/**
 * What the Total layer puts in a reliable multicast. `fifo` passes through it unordered (Ensemble's
 * NOHDR); `ordered` carries its born-order number; `null` advances the sender's numbers without a
 * payload, so the others can deliver (seed 003, "null messages").
 */
export const bodySchema = union('ItuaBody', {
  fifo: [1, { data }],
  ordered: [2, { order: u64, data }],
  null: [3, { order: u64 }],
});

export type ItuaBody = Infer<typeof bodySchema>;

/** A statement's purpose, as a fixed number (cheaper to encode than a label, and as unambiguous). */
const domain = u32;

/** What a sender signs in phase 1: `digest` names the message {m, i, s} of this view. */
export const digestStatementSchema = struct('ItuaDigestStatement', {
  domain,
  view,
  sender: rank,
  seq,
  digest,
});

/** What a replier signs in phase 2 (a different domain, so a digest signature is never a reply). */
export const replyStatementSchema = struct('ItuaReplyStatement', { domain, view, sender: rank, seq, digest });

/** What the digest of a message covers: the data segment {m, i, s} of the paper, in this view. */
export const messageContentSchema = struct('ItuaMessageContent', {
  domain,
  view,
  sender: rank,
  seq,
  body: bytes(ituaLimits.bodyBytesMax, 'body'),
});

/** An inner node of a reply batch's Merkle tree (a different domain from a leaf, a reply statement). */
export const replyNodeSchema = struct('ItuaReplyNode', { domain, left: digest, right: digest });

/** The leaf that pads a reply batch to a power of two (no reply statement hashes to it). */
export const replyPadSchema = struct('ItuaReplyPad', { domain });

/** What a member signs for a batch of replies: the Merkle root of their statements, in this view. */
export const replyRootSchema = struct('ItuaReplyRoot', { domain, view, root: digest });

/** What a member signs in its stability report. */
export const reportStatementSchema = struct('ItuaReportStatement', {
  domain,
  view,
  reporter: rank,
  received: list(u64, ituaLimits.membersMax, 'received'),
  consumed: list(u64, ituaLimits.membersMax, 'consumed'),
});

/** Domain numbers of the statements ('IT' then a purpose letter and a version digit, in ASCII). */
export const DOMAIN = {
  content: 0x4954_4331, // "ITC1": the content a digest names
  digest: 0x4954_4431, // "ITD1": a sender's phase-1 digest
  reply: 0x4954_5231, // "ITR1": a phase-2 reply
  report: 0x4954_5331, // "ITS1": a stability array
  replyNode: 0x4954_4e31, // "ITN1": an inner node of a reply batch's tree
  replyPad: 0x4954_5031, // "ITP1": the leaf that pads a reply batch to a power of two
  replyRoot: 0x4954_4231, // "ITB1": a reply batch's signed root
} as const;
