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
/**
 * The largest signature any suite makes: RSA-4096 (512 bytes). Messages whose signatures must
 * also carry RSA ones (the ITUA stack, for the paper's RSA experiments) bound the field by this and
 * leave the exact length to `verify`, which refuses any other length than its algorithm's.
 */
export const SIGNATURE_BYTES_MAX = 512;
export const MAC_BYTES = 32;

export interface CryptoSuite {
  readonly mode: CryptoMode;
  /** SHA-256 in both modes: digests name requests and states, so they must not collide. */
  digest(data: Uint8Array): Uint8Array;
  /**
   * A signature by this node that any third party can check: SIGNATURE_BYTES (Ed25519, and the
   * `none` stand-in), or the modulus length of an RSA suite (crypto/rsa-suite.ts, experiments only).
   */
  sign(data: Uint8Array): Uint8Array;
  verify(signer: NodeId, data: Uint8Array, signature: Uint8Array): boolean;
  /** An authenticator for one peer under the pairwise key of this node and that peer (MAC_BYTES). */
  mac(peer: NodeId, data: Uint8Array): Uint8Array;
  verifyMac(peer: NodeId, data: Uint8Array, tag: Uint8Array): boolean;
}
