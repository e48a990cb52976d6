/**
 * The cryptography of PBFT messages, as pure helpers over the Env's CryptoSuite: batch digests,
 * MAC authenticators on normal-case messages (OSDI §5.2: one MAC per replica, so one message
 * can be multicast, and relayed, and each receiver checks its own entry), and signatures on
 * checkpoints, view-changes and new-views, which must convince third parties (OSDI §4.3, §4.4).
 * The simulator's PBFT adversaries use the same helpers with a corrupt node's own keys.
 */
import type { ClientRequest } from '../../core/env.js';
import { MAC_BYTES, type CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';
import { encodeBody } from '../../codec/frame.js';
import {
  authBodySchema,
  batchSchema,
  signedSchema,
  type AuthBody,
  type Checkpoint,
  type CheckpointSig,
  type NewView,
  type ViewChangeBody,
} from './messages.js';

const ZERO_MAC = new Uint8Array(MAC_BYTES);

/** The digest that names a batch (and, for the empty batch, the null request). */
export function batchDigest(crypto: CryptoSuite, requests: readonly ClientRequest[]): Uint8Array {
  return crypto.digest(encodeBody(batchSchema, requests as ClientRequest[]));
}

/** One MAC per member in rank order (zeros for the sender itself, and for members not in `to`). */
export function authenticate(
  crypto: CryptoSuite,
  members: readonly NodeId[],
  self: NodeId,
  body: AuthBody,
  to?: NodeId,
): Uint8Array[] {
  const bytes = encodeBody(authBodySchema, body);
  return members.map((m) => (m === self || (to !== undefined && m !== to) ? ZERO_MAC : crypto.mac(m, bytes)));
}

/** Whether `auth` holds a valid MAC from `sender` for this node (at this node's rank). */
export function verifyAuth(
  crypto: CryptoSuite,
  rank: number,
  sender: NodeId,
  body: AuthBody,
  auth: readonly Uint8Array[],
): boolean {
  const tag = auth[rank];
  if (tag === undefined) return false;
  return crypto.verifyMac(sender, encodeBody(authBodySchema, body), tag);
}

export function checkpointBytes(seq: number, digest: Uint8Array, replica: NodeId): Uint8Array {
  return encodeBody(signedSchema, { kind: 'checkpoint', seq, digest, replica });
}

export function signCheckpoint(
  crypto: CryptoSuite,
  seq: number,
  digest: Uint8Array,
  replica: NodeId,
): Checkpoint {
  return {
    kind: 'checkpoint',
    seq,
    digest,
    replica,
    sig: crypto.sign(checkpointBytes(seq, digest, replica)),
  };
}

export function verifyCheckpoint(crypto: CryptoSuite, m: Omit<Checkpoint, 'kind'>): boolean {
  return crypto.verify(m.replica, checkpointBytes(m.seq, m.digest, m.replica), m.sig);
}

/**
 * A stable-checkpoint proof: signatures of 2f+1 distinct members on (seq, digest). Seq 0, the
 * initial state, needs none.
 */
export function verifyProof(
  crypto: CryptoSuite,
  isMember: (n: NodeId) => boolean,
  quorum: number,
  seq: number,
  digest: Uint8Array,
  proof: readonly CheckpointSig[],
): boolean {
  if (seq === 0) return proof.length === 0;
  const seen = new Set<NodeId>();
  for (const p of proof) {
    if (!isMember(p.replica) || seen.has(p.replica)) return false;
    if (!crypto.verify(p.replica, checkpointBytes(seq, digest, p.replica), p.sig)) return false;
    seen.add(p.replica);
  }
  return seen.size >= quorum;
}

export function viewChangeBytes(vc: Omit<ViewChangeBody, 'sig'>): Uint8Array {
  return encodeBody(signedSchema, { kind: 'viewChange', ...vc });
}

export function newViewBytes(nv: Omit<NewView, 'kind' | 'sig'>): Uint8Array {
  return encodeBody(signedSchema, { kind: 'newView', ...nv });
}

export function verifyViewChangeSig(crypto: CryptoSuite, vc: ViewChangeBody): boolean {
  return crypto.verify(vc.replica, viewChangeBytes(vc), vc.sig);
}
