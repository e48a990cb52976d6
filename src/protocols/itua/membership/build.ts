/**
 * The membership messages a member builds and signs (statements in signing.ts). Kept apart from
 * the agreement's rules so those read as decisions, not as record assembly.
 */
import type { Rank, SuspectCode } from '../layer.js';
import { SUSPECT_CODES } from '../layer.js';
import type { AgreementHost } from './host.js';
import type {
  AckMessage,
  CommitMessage,
  NewViewMessage,
  NmcMessage,
  SuspectEntry,
  SuspectMessage,
} from './messages.js';
import {
  ackStatement,
  nmcStatement,
  proposalDigest,
  signCommit,
  signProposal,
  suspectStatement,
  type Proposal,
} from './signing.js';

type Signer = Pick<AgreementHost, 'crypto' | 'view' | 'self'>;

export function suspectMessage(host: Signer, target: Rank, code: SuspectCode): SuspectMessage {
  const sig = host.crypto.sign(suspectStatement(host.view.id, host.self, target));
  return {
    kind: 'gm-suspect',
    view: host.view.id,
    by: host.self,
    target,
    code: SUSPECT_CODES.indexOf(code),
    sig,
  };
}

/** A New-View, its proposal's digest, and the leader's own acknowledgement of it. */
export function newViewMessage(
  host: Signer,
  proposal: Proposal,
  justification: SuspectEntry[],
): { nv: NewViewMessage; digest: Uint8Array; own: Uint8Array } {
  const digest = proposalDigest(host.crypto, proposal);
  const nv: NewViewMessage = {
    kind: 'gm-new-view',
    ...proposal,
    kept: [...proposal.kept],
    justification,
    sig: signProposal(host.crypto, proposal),
  };
  return { nv, digest, own: host.crypto.sign(ackStatement(digest, host.self)) };
}

export function ackMessage(p: Proposal, digest: Uint8Array, sig: Uint8Array): AckMessage {
  return { kind: 'gm-ack', view: p.view, round: p.round, leader: p.leader, digest, sig };
}

/** The Commit of a proposal, with its acknowledgements in rank order (their canonical form). */
export function commitMessage(
  host: Signer,
  proposal: Proposal,
  acks: ReadonlyMap<Rank, Uint8Array>,
): CommitMessage {
  const entries = [...acks].sort((a, b) => a[0] - b[0]).map(([rank, sig]) => ({ rank, sig }));
  const sig = signCommit(host.crypto, proposal);
  return { kind: 'gm-commit', ...proposal, kept: [...proposal.kept], acks: entries, sig };
}

export function nmcMessage(host: Signer, p: Proposal, justification: SuspectEntry[]): NmcMessage {
  const sig = host.crypto.sign(nmcStatement(p.view, p.round, p.leader, host.self));
  return { kind: 'gm-nmc', view: p.view, round: p.round, leader: p.leader, justification, sig };
}
