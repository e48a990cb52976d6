/**
 * The cryptography a protocol may use, as an interface so that protocol code stays pure and
 * the simulator can run thousands of seeded worlds a minute. Implementations live in
 * src/crypto/: `real` (Ed25519, HMAC-SHA256 under pairwise keys, SHA-256) and `none` (cheap
 * stand-ins that still cannot be forged by another node, accepted only by `sim` and `bench`).
 */
import type { NodeId } from './ids.js';

export type CryptoMode = 'real' | 'none';

export const DIGEST_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const MAC_BYTES = 32;

export interface CryptoSuite {
  readonly mode: CryptoMode;
  /** SHA-256 in both modes: digests name requests and states, so they must not collide. */
  digest(data: Uint8Array): Uint8Array;
  /** A signature by this node that any third party can check (SIGNATURE_BYTES). */
  sign(data: Uint8Array): Uint8Array;
  verify(signer: NodeId, data: Uint8Array, signature: Uint8Array): boolean;
  /** An authenticator for one peer under the pairwise key of this node and that peer (MAC_BYTES). */
  mac(peer: NodeId, data: Uint8Array): Uint8Array;
  verifyMac(peer: NodeId, data: Uint8Array, tag: Uint8Array): boolean;
}
