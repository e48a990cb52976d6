/**
 * What membership messages sign (seed 003: "a signed Suspect message", "a signed New-View", …).
 * Each statement is the canonical encoding of a record opening with its domain number, so a
 * signature made for one purpose never verifies for another. Suspicions are signed with the view
 * number and the ranks of that view, so they justify removals only in the view they were made in
 * (a member re-signs the suspicions it still holds when a new view starts).
 */
import { encodeBody } from '../../../codec/frame.js';
import type { Schema } from '../../../codec/schema.js';
import type { CryptoSuite } from '../../../core/crypto-suite.js';
import type { NodeId } from '../../../core/ids.js';
import {
  GM_DOMAIN,
  ackStatementSchema,
  beatStatementSchema,
  joinStatementSchema,
  nmcStatementSchema,
  proposalSchema,
  stableStatementSchema,
  suspectStatementSchema,
  welcomeStatementSchema,
} from './messages.js';

/** A New-View's proposal: what its leader signs, what acknowledgements and Commits name. */
export interface Proposal {
  readonly view: number;
  readonly round: number;
  readonly leader: number;
  readonly kept: readonly number[];
  readonly joiner: NodeId | undefined;
}

function statement<T>(schema: Schema<T>, value: T): Uint8Array {
  return encodeBody(schema, value);
}

function proposalStatement(p: Proposal, domain: number): Uint8Array {
  return statement(proposalSchema, {
    domain,
    view: p.view,
    round: p.round,
    leader: p.leader,
    kept: [...p.kept],
    joiner: p.joiner,
  });
}

/** The name of a proposal (acknowledgements and Ready-to-Switch messages sign it). */
export function proposalDigest(crypto: CryptoSuite, p: Proposal): Uint8Array {
  return crypto.digest(proposalStatement(p, GM_DOMAIN.proposal));
}

export function signProposal(crypto: CryptoSuite, p: Proposal): Uint8Array {
  return crypto.sign(proposalStatement(p, GM_DOMAIN.proposal));
}

export function verifyProposal(crypto: CryptoSuite, leader: NodeId, p: Proposal, sig: Uint8Array): boolean {
  return crypto.verify(leader, proposalStatement(p, GM_DOMAIN.proposal), sig);
}

export function signCommit(crypto: CryptoSuite, p: Proposal): Uint8Array {
  return crypto.sign(proposalStatement(p, GM_DOMAIN.commit));
}

export function verifyCommit(crypto: CryptoSuite, leader: NodeId, p: Proposal, sig: Uint8Array): boolean {
  return crypto.verify(leader, proposalStatement(p, GM_DOMAIN.commit), sig);
}

export function suspectStatement(view: number, by: number, target: number): Uint8Array {
  return statement(suspectStatementSchema, { domain: GM_DOMAIN.suspect, view, by, target });
}

export function ackStatement(digest: Uint8Array, rank: number): Uint8Array {
  return statement(ackStatementSchema, { domain: GM_DOMAIN.ack, digest, rank });
}

export function stableStatement(
  view: number,
  digest: Uint8Array,
  rank: number,
  cut: readonly number[],
): Uint8Array {
  return statement(stableStatementSchema, { domain: GM_DOMAIN.stable, view, digest, rank, cut: [...cut] });
}

export function beatStatement(view: number, rank: number, beat: number): Uint8Array {
  return statement(beatStatementSchema, { domain: GM_DOMAIN.beat, view, rank, beat });
}

export function nmcStatement(view: number, round: number, leader: number, rank: number): Uint8Array {
  return statement(nmcStatementSchema, { domain: GM_DOMAIN.nmc, view, round, leader, rank });
}

export function joinStatement(node: NodeId): Uint8Array {
  return statement(joinStatementSchema, { domain: GM_DOMAIN.join, node });
}

export function welcomeStatement(view: number, members: readonly NodeId[]): Uint8Array {
  return statement(welcomeStatementSchema, { domain: GM_DOMAIN.welcome, view, members: [...members] });
}
