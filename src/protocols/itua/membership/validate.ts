/**
 * Semantic checks on membership messages (STYLE.md, Messages): accept, ignore (stale, or not this
 * member's business) or reject with a code; a reject suspects the member that sent the message,
 * since a correct member never sends it. Cheap checks come first and signatures last.
 *
 * Seed 003: "a valid New-View message contains the list of processes for the next view that
 * excludes the corrupt member, and justification for this exclusion in the form of f+1 Suspect
 * messages"; "a valid Commit message contains the same view specified in the New-View message
 * and includes the 2f+1 Ack-New-Views as proof". Decision beyond the paper: a New-View from rank
 * L must also remove every member ranked below L (with its justification), so only the lowest
 * member nobody can justify removing may lead: the deputy takes over only once the leader is
 * itself removable.
 */
import type { CryptoSuite } from '../../../core/crypto-suite.js';
import type { NodeId } from '../../../core/ids.js';
import type { Rank, SuspectCode, ViewInfo } from '../layer.js';
import type {
  AckMessage,
  CommitMessage,
  NewViewMessage,
  NmcMessage,
  ReadyMessage,
  StableMessage,
  SuspectEntry,
  SuspectMessage,
} from './messages.js';
import {
  ackStatement,
  nmcStatement,
  proposalDigest,
  stableStatement,
  suspectStatement,
  verifyCommit,
  verifyProposal,
  type Proposal,
} from './signing.js';
import { bytesEqual } from '../../../core/bytes.js';

export type MembershipReject = Extract<SuspectCode, 'BAD_NEW_VIEW' | 'BAD_COMMIT' | 'BAD_MEMBERSHIP'>;

export type GmVerdict<T = undefined> =
  | { readonly verdict: 'accept'; readonly value: T }
  | { readonly verdict: 'ignore'; readonly code: 'STALE' | 'NOT_MINE' }
  | { readonly verdict: 'reject'; readonly code: MembershipReject; readonly detail: string };

export interface MembershipContext {
  readonly view: ViewInfo;
  readonly crypto: CryptoSuite;
  nodeOf(rank: Rank): NodeId | undefined;
  /**
   * Whether this very entry (same signer, target and signature bytes) was checked already: a
   * New-View's justification mostly repeats Suspects every member received itself.
   */
  checked?(e: SuspectEntry): boolean;
}

/** The context of one view's checks; `checked` tells entries checked already (the view's book). */
export function membershipContext(
  view: ViewInfo,
  crypto: CryptoSuite,
  checked?: (e: SuspectEntry) => boolean,
): MembershipContext {
  return { view, crypto, nodeOf: (r) => view.members[r], checked };
}

const accept = <T>(value: T): GmVerdict<T> => ({ verdict: 'accept', value });
const reject = <T>(code: MembershipReject, detail: string): GmVerdict<T> => ({
  verdict: 'reject',
  code,
  detail,
});
const stale = <T>(): GmVerdict<T> => ({ verdict: 'ignore', code: 'STALE' });

export function isSuspectEntryValid(ctx: MembershipContext, view: number, e: SuspectEntry): boolean {
  const n = ctx.view.members.length;
  if (e.by >= n || e.target >= n) return false;
  if (ctx.checked?.(e) === true) return true;
  return ctx.crypto.verify(ctx.nodeOf(e.by) as NodeId, suspectStatement(view, e.by, e.target), e.sig);
}

export function validateSuspect(from: Rank, m: SuspectMessage, ctx: MembershipContext): GmVerdict {
  if (m.view !== ctx.view.id) return stale();
  // Suspicions are relayed inside justifications, but a Suspect message comes from its signer:
  // the channel authenticates it, and its signature is checked once it is needed (SuspicionBook).
  if (m.by !== from) return reject('BAD_MEMBERSHIP', 'suspect not from its signer');
  const n = ctx.view.members.length;
  if (m.by >= n || m.target >= n) return reject('BAD_MEMBERSHIP', 'suspect ranks');
  return accept(undefined);
}

/**
 * Whether `entries` justify removing `target`: f+1 distinct members suspect it, or it asked to
 * leave (it suspects itself). Entries are assumed checked.
 */
export function justifies(entries: readonly SuspectEntry[], target: Rank, f: number): boolean {
  const by = new Set<Rank>();
  for (const e of entries) {
    if (e.target !== target) continue;
    if (e.by === target) return true;
    by.add(e.by);
  }
  return by.size >= f + 1;
}

/** Ranks strictly increasing, within the view, and including `leader`. */
function keptIsWellFormed(kept: readonly Rank[], n: number, leader: Rank): boolean {
  let previous = -1;
  for (const r of kept) {
    if (r <= previous || r >= n) return false;
    previous = r;
  }
  return kept.includes(leader);
}

export function proposalOf(m: NewViewMessage | CommitMessage): Proposal {
  return { view: m.view, round: m.round, leader: m.leader, kept: m.kept, joiner: m.joiner };
}

export interface CheckedNewView {
  readonly proposal: Proposal;
  readonly digest: Uint8Array;
  /** The valid entries of its justification (absorbed by every member that reads it). */
  readonly entries: readonly SuspectEntry[];
}

export function validateNewView(
  from: Rank,
  m: NewViewMessage,
  ctx: MembershipContext,
): GmVerdict<CheckedNewView> {
  const n = ctx.view.members.length;
  if (m.view !== ctx.view.id) return stale();
  if (m.leader !== from || m.round < 1 || !keptIsWellFormed(m.kept, n, m.leader)) {
    return reject('BAD_NEW_VIEW', 'malformed');
  }
  if (m.kept.length === n && m.joiner === undefined) return reject('BAD_NEW_VIEW', 'changes nothing');
  if (m.joiner !== undefined && m.kept.length !== n) return reject('BAD_NEW_VIEW', 'joins while removing');
  const entries = m.justification.filter((e) => isSuspectEntryValid(ctx, m.view, e));
  for (let r = 0; r < n; r++) {
    if (m.kept.includes(r)) continue;
    if (!justifies(entries, r, ctx.view.f))
      return reject('BAD_NEW_VIEW', `removes ${r} without f+1 suspicions`);
  }
  // Only the lowest-ranked member that cannot be justifiably removed leads.
  for (let r = 0; r < m.leader; r++) {
    if (m.kept.includes(r)) return reject('BAD_NEW_VIEW', `leads while ${r} ranks lower`);
  }
  const proposal = proposalOf(m);
  if (!verifyProposal(ctx.crypto, ctx.nodeOf(from) as NodeId, proposal, m.sig)) {
    return reject('BAD_NEW_VIEW', 'signature');
  }
  return accept({ proposal, digest: proposalDigest(ctx.crypto, proposal), entries });
}

export function validateAck(
  from: Rank,
  m: AckMessage,
  ctx: MembershipContext,
  digest: Uint8Array | undefined,
): GmVerdict {
  if (m.view !== ctx.view.id || digest === undefined) return stale();
  if (!bytesEqual(m.digest, digest)) return { verdict: 'ignore', code: 'NOT_MINE' };
  if (!ctx.crypto.verify(ctx.nodeOf(from) as NodeId, ackStatement(m.digest, from), m.sig)) {
    return reject('BAD_MEMBERSHIP', 'ack signature');
  }
  return accept(undefined);
}

export function validateCommit(
  m: CommitMessage,
  ctx: MembershipContext,
): GmVerdict<{ proposal: Proposal; digest: Uint8Array }> {
  const n = ctx.view.members.length;
  if (m.view !== ctx.view.id) return stale();
  // A Commit is signed by its leader and relayed by members (to those that lag behind): a correct
  // member relays only Commits it accepted, so whoever hands over a bad one is at fault.
  if (m.leader >= n || m.round < 1 || !keptIsWellFormed(m.kept, n, m.leader)) {
    return reject('BAD_COMMIT', 'malformed');
  }
  const proposal = proposalOf(m);
  const digest = proposalDigest(ctx.crypto, proposal);
  if (m.acks.length < ctx.view.quorum) return reject('BAD_COMMIT', `${m.acks.length} acknowledgements`);
  let previous = -1;
  for (const a of m.acks) {
    if (a.rank <= previous || a.rank >= n) return reject('BAD_COMMIT', 'acknowledgement ranks');
    previous = a.rank;
    if (!ctx.crypto.verify(ctx.nodeOf(a.rank) as NodeId, ackStatement(digest, a.rank), a.sig)) {
      return reject('BAD_COMMIT', `acknowledgement of ${a.rank}`);
    }
  }
  if (!verifyCommit(ctx.crypto, ctx.nodeOf(m.leader) as NodeId, proposal, m.sig)) {
    return reject('BAD_COMMIT', 'signature');
  }
  return accept({ proposal, digest });
}

/** A Ready-to-Switch comes from its sender only (the channel authenticates it). */
export function validateReady(from: Rank, m: ReadyMessage, ctx: MembershipContext): GmVerdict {
  const n = ctx.view.members.length;
  if (m.view !== ctx.view.id) return stale();
  if (m.rank !== from) return reject('BAD_MEMBERSHIP', 'ready not from its sender');
  if (m.counts.length !== n) return reject('BAD_MEMBERSHIP', 'ready counts');
  return accept(undefined);
}

/**
 * A Stable vote, from its signer or relayed: whoever hands over a bad one is at fault. One that
 * comes from its signer is authenticated by the channel: its signature is checked only if it is
 * relayed later (`verifyStable`, when a proof is built).
 */
export function validateStable(from: Rank, m: StableMessage, ctx: MembershipContext): GmVerdict {
  const n = ctx.view.members.length;
  if (m.view !== ctx.view.id) return stale();
  if (m.cut.length !== n || m.rank >= n) return reject('BAD_MEMBERSHIP', 'stable cut');
  if (m.rank !== from && !verifyStable(m, ctx)) return reject('BAD_MEMBERSHIP', 'stable signature');
  return accept(undefined);
}

export function verifyStable(m: StableMessage, ctx: MembershipContext): boolean {
  const statement = stableStatement(m.view, m.digest, m.rank, m.cut);
  return ctx.crypto.verify(ctx.nodeOf(m.rank) as NodeId, statement, m.sig);
}

export function validateNmc(from: Rank, m: NmcMessage, ctx: MembershipContext): GmVerdict<SuspectEntry[]> {
  if (m.view !== ctx.view.id) return stale();
  const statement = nmcStatement(m.view, m.round, m.leader, from);
  if (!ctx.crypto.verify(ctx.nodeOf(from) as NodeId, statement, m.sig))
    return reject('BAD_MEMBERSHIP', 'nmc signature');
  const entries = m.justification.filter((e) => isSuspectEntryValid(ctx, m.view, e));
  if (entries.length !== m.justification.length) return reject('BAD_MEMBERSHIP', 'nmc justification');
  return accept(entries);
}
