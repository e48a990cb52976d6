/**
 * Semantic checks on ITUA messages, apart from the handlers (STYLE.md, Messages). The codec has
 * bounded every field; these say whether a message makes sense here and now. A verdict is
 * accept, ignore (stale, duplicate, outside the window: nobody is at fault) or reject (the member
 * that sent it broke the protocol: a correct member never sends it, so the layer suspects it).
 *
 * Cheap checks come first and signatures last, so a flood of stale or duplicate messages costs
 * no cryptography.
 */
import type { CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';
import type { Rank, SuspectCode, ViewInfo } from './layer.js';
import type {
  DigestMessage,
  NakMessage,
  ProofMessage,
  ReplyMessage,
  ReportMessage,
  RmMessage,
  SignedDigest,
} from './messages.js';
import {
  messageDigest,
  verifyCertificate,
  verifyDigest,
  verifyReply,
  verifyReport,
  type VerifiedBatches,
} from './signing.js';
import { bytesEqual } from '../../core/bytes.js';

export type IgnoreCode = 'STALE' | 'BEYOND_WINDOW' | 'DUPLICATE' | 'NOT_MINE' | 'DIGEST_MISMATCH';

export type RejectCode = Extract<
  SuspectCode,
  'NOT_SENDER' | 'BAD_SIGNATURE' | 'BAD_CERTIFICATE' | 'BAD_PROOF' | 'MALFORMED'
>;

export type Verdict =
  | { readonly verdict: 'accept' }
  | { readonly verdict: 'ignore'; readonly code: IgnoreCode }
  | { readonly verdict: 'reject'; readonly code: RejectCode };

type Refusal = Exclude<Verdict, { verdict: 'accept' }>;

const ACCEPT: Verdict = { verdict: 'accept' };
const ignore = (code: IgnoreCode): Refusal => ({ verdict: 'ignore', code });
const reject = (code: RejectCode): Refusal => ({ verdict: 'reject', code });

/** What the Reliable layer's checks need to know. */
export interface ReliableContext {
  readonly view: ViewInfo;
  readonly self: Rank;
  readonly crypto: CryptoSuite;
  nodeOf(rank: Rank): NodeId | undefined;
  /** Figure 4: the sender's stability threshold; its window is (stable, stable + windowMax]. */
  stable(sender: Rank): number;
  readonly windowMax: number;
  /** Reply batch roots whose signatures this member checked or made (signing.ts). */
  readonly verified: VerifiedBatches;
}

function isMember(ctx: ReliableContext, rank: Rank): boolean {
  return rank < ctx.view.members.length;
}

/** The same signed digest, byte for byte. */
function sameSigned(a: SignedDigest, b: SignedDigest): boolean {
  return bytesEqual(a.sig, b.sig) && bytesEqual(a.digest, b.digest);
}

/** Figure 4: ignore what is stable already, and what lies beyond the overflow threshold. */
export function windowVerdict(ctx: ReliableContext, sender: Rank, seq: number): Verdict {
  const stable = ctx.stable(sender);
  if (seq <= stable) return ignore('STALE');
  if (seq > stable + ctx.windowMax) return ignore('BEYOND_WINDOW');
  return ACCEPT;
}

/**
 * Phase 1: only the sender multicasts its digest, and it must have signed it. A digest held here
 * already, byte for byte (a retransmission), was checked when it came first: it costs no check.
 */
export function validateDigest(
  from: Rank,
  m: DigestMessage,
  ctx: ReliableContext,
  held: SignedDigest | undefined,
): Verdict {
  if (m.sender !== from) return reject('NOT_SENDER');
  const w = windowVerdict(ctx, m.sender, m.seq);
  if (w.verdict !== 'accept') return w;
  if (held !== undefined && sameSigned(held, m)) return ACCEPT;
  const node = ctx.nodeOf(m.sender) as NodeId;
  if (!verifyDigest(ctx.crypto, node, { view: m.view, sender: m.sender, seq: m.seq }, m)) {
    return reject('BAD_SIGNATURE');
  }
  return ACCEPT;
}

/** What the sender knows of its own multicast when a reply arrives. */
export interface OwnMulticast {
  readonly digest: Uint8Array;
  readonly certified: boolean;
}

/** Phase 2, at the sender: a reply to one of my digests, signed by the member that sent it. */
export function validateReply(
  from: Rank,
  m: ReplyMessage,
  ctx: ReliableContext,
  own: OwnMulticast | undefined,
): Verdict {
  if (m.sender !== ctx.self) return ignore('NOT_MINE');
  if (own === undefined) return ignore('STALE');
  if (own.certified) return ignore('DUPLICATE');
  // A reply to a digest I never signed proves nothing against anyone: I cannot show it to a third party.
  if (!bytesEqual(own.digest, m.digest)) return ignore('DIGEST_MISMATCH');
  const node = ctx.nodeOf(from) as NodeId;
  const id = { view: m.view, sender: m.sender, seq: m.seq };
  if (!verifyReply(ctx.crypto, ctx.verified, node, from, id, m.digest, m)) return reject('BAD_SIGNATURE');
  return ACCEPT;
}

export type MessageVerdict = Refusal | { readonly verdict: 'accept'; readonly digest: Uint8Array };

/**
 * Phase 3: the message, from its sender or relayed by another member. A correct member relays
 * only messages it accepted, so whoever hands me an invalid one is at fault, whatever sender it
 * names.
 */
export function validateMessage(
  m: RmMessage,
  ctx: ReliableContext,
  have: boolean,
  held?: HeldDigest,
): MessageVerdict {
  if (!isMember(ctx, m.sender)) return reject('MALFORMED');
  const w = windowVerdict(ctx, m.sender, m.seq);
  if (w.verdict !== 'accept') return w;
  if (have) return ignore('DUPLICATE');
  const id = { view: m.view, sender: m.sender, seq: m.seq };
  const digest = messageDigest(ctx.crypto, id, m.body);
  const senderNode = ctx.nodeOf(m.sender) as NodeId;
  // The sender's signature verified in phase 1 for this very digest is not verified again; nor is a
  // reply batch root checked before (my own replies' among them).
  const sigKnown = held?.digest !== undefined && sameSigned(held.digest, { digest, sig: m.sig });
  if (!sigKnown && !verifyDigest(ctx.crypto, senderNode, id, { digest, sig: m.sig })) {
    return reject('BAD_SIGNATURE');
  }
  // The sender's digest signature is one of the 2f+1: the certificate holds 2f replies of others.
  const needed = ctx.view.quorum - 1;
  if (!verifyCertificate(ctx.crypto, ctx.verified, (r) => ctx.nodeOf(r), id, digest, m.cert, needed)) {
    return reject('BAD_CERTIFICATE');
  }
  return { verdict: 'accept', digest };
}

/** What a member holds for a (sender, seq) before the message comes: the signed digest it verified in phase 1. */
export interface HeldDigest {
  readonly digest?: SignedDigest;
}

/**
 * A negative acknowledgement: a sane range, and if it shows a digest, one the sender signed (a
 * digest I hold byte for byte was checked already).
 */
export function validateNak(m: NakMessage, ctx: ReliableContext, mine: SignedDigest | undefined): Verdict {
  if (!isMember(ctx, m.sender) || m.fromSeq < 1 || m.toSeq < m.fromSeq) return reject('MALFORMED');
  if (m.held !== undefined && !(mine !== undefined && sameSigned(mine, m.held))) {
    const id = { view: m.view, sender: m.sender, seq: m.fromSeq };
    if (!verifyDigest(ctx.crypto, ctx.nodeOf(m.sender) as NodeId, id, m.held)) return reject('BAD_SIGNATURE');
  }
  return ACCEPT;
}

/** Evidence of equivocation: two different digests, both signed by the sender for one sequence number. */
export function validateProof(
  m: ProofMessage,
  ctx: Pick<ReliableContext, 'view' | 'crypto' | 'nodeOf'>,
): Verdict {
  if (m.sender >= ctx.view.members.length) return reject('MALFORMED');
  if (bytesEqual(m.first.digest, m.second.digest)) return reject('BAD_PROOF');
  const node = ctx.nodeOf(m.sender) as NodeId;
  const id = { view: m.view, sender: m.sender, seq: m.seq };
  if (!verifyDigest(ctx.crypto, node, id, m.first) || !verifyDigest(ctx.crypto, node, id, m.second)) {
    return reject('BAD_PROOF');
  }
  return ACCEPT;
}

/** A stability array: two counts per member, consumed never above received, signed by its reporter. */
export function validateReport(
  from: Rank,
  m: ReportMessage,
  ctx: Pick<ReliableContext, 'view' | 'crypto' | 'nodeOf'>,
): Verdict {
  const n = ctx.view.members.length;
  if (m.received.length !== n || m.consumed.length !== n) return reject('MALFORMED');
  // An application consumes only what its member received.
  for (let i = 0; i < n; i++)
    if ((m.consumed[i] as number) > (m.received[i] as number)) return reject('MALFORMED');
  const node = ctx.nodeOf(from) as NodeId;
  if (!verifyReport(ctx.crypto, node, m.view, from, m, m.sig)) return reject('BAD_SIGNATURE');
  return ACCEPT;
}

export type OrderCode = Extract<
  SuspectCode,
  'ORDER_NOT_IN_PARTITION' | 'ORDER_NOT_INCREASING' | 'ORDER_SKIP_TOO_FAR'
>;

/**
 * Born order (seed 003, "Total Ordering"): member i numbers its messages from its own partition
 * S_i = {i, i+n, i+2n, ...} (f_i(x) = x + n, starting at its rank), in increasing order. It may
 * skip numbers of its partition (a null message that catches up with the others does), but at
 * most `skipMax` of them at once, so no member can run the group's numbers out.
 */
export function validateOrder(
  sender: Rank,
  order: number,
  last: number,
  n: number,
  skipMax: number,
): OrderCode | undefined {
  if (order % n !== sender) return 'ORDER_NOT_IN_PARTITION';
  if (order <= last) return 'ORDER_NOT_INCREASING';
  if (order > last + skipMax * n) return 'ORDER_SKIP_TOO_FAR';
  return undefined;
}
