/**
 * The production crypto suite: SHA-256 digests, Ed25519 signatures, and HMAC-SHA256
 * authenticators under pairwise keys derived by X25519 + HKDF (see keys.ts). Protocols call it
 * on every message, so every KeyObject and every derived key is built once and cached.
 *
 * Verification never throws: a signature or tag from a peer is hostile input, and an unknown
 * signer, a wrong length or a malformed key all simply fail to verify.
 */
import { createHmac, sign as edSign, timingSafeEqual, verify as edVerify, type KeyObject } from 'node:crypto';
import { assert, InvariantError } from '../core/assert.js';
import type { PrivateIdentity, PublicIdentity } from '../core/cluster.js';
import { MAC_BYTES, SIGNATURE_BYTES, type CryptoMode, type CryptoSuite } from '../core/crypto-suite.js';
import type { NodeId } from '../core/ids.js';
import {
  dhPrivateKeyObject,
  pairwiseMacKey,
  plainBytes,
  publicIdentityOf,
  RAW_KEY_BYTES,
  sha256,
  signPrivateKeyObject,
  signPublicKeyObject,
} from './keys.js';
import { bytesEqual } from '../core/bytes.js';

/** A pairwise key that could not be derived (a low-order X25519 key), remembered as refused. */
const REFUSED = Symbol('refused');

export class RealCryptoSuite implements CryptoSuite {
  readonly mode: CryptoMode = 'real';
  readonly self: NodeId;

  private readonly clusterName: string;
  private readonly signKey: KeyObject;
  private readonly dhKey: KeyObject;
  private readonly identities = new Map<NodeId, PublicIdentity>();
  // Built on first use, so a replica that never hears from a client pays nothing for it.
  private readonly verifyKeys = new Map<NodeId, KeyObject | typeof REFUSED>();
  private readonly macKeys = new Map<NodeId, Buffer | typeof REFUSED>();

  /**
   * `peers` lists the public identities of everybody this node talks to (members and clients);
   * this node's own public identity is added from its private keys, so it can check itself.
   * Throws on a malformed configuration: two identities for one id, keys of the wrong size, or
   * a listed own identity that does not match `self`.
   */
  constructor(self: PrivateIdentity, peers: readonly PublicIdentity[], clusterName: string) {
    this.self = self.id;
    this.clusterName = clusterName;
    this.signKey = signPrivateKeyObject(self.signPrivateKey);
    this.dhKey = dhPrivateKeyObject(self.dhPrivateKey);
    for (const peer of peers) {
      if (peer.id === self.id) continue;
      assert(!this.identities.has(peer.id), `RealCryptoSuite: two public identities for node ${peer.id}`);
      assert(
        peer.signPublicKey.length === RAW_KEY_BYTES && peer.dhPublicKey.length === RAW_KEY_BYTES,
        `RealCryptoSuite: keys of node ${peer.id} must be ${RAW_KEY_BYTES} bytes`,
      );
      this.identities.set(peer.id, peer);
    }
    // A listed own identity that differs from the private keys means a key file of another node.
    const own = publicIdentityOf(self);
    const listed = peers.find((p) => p.id === self.id);
    assert(
      listed === undefined ||
        (bytesEqual(listed.signPublicKey, own.signPublicKey) &&
          bytesEqual(listed.dhPublicKey, own.dhPublicKey)),
      `RealCryptoSuite: the private keys of node ${self.id} do not match its listed public keys`,
    );
    this.identities.set(self.id, own);
  }

  digest(data: Uint8Array): Uint8Array {
    return sha256(data);
  }

  sign(data: Uint8Array): Uint8Array {
    return plainBytes(edSign(null, data, this.signKey));
  }

  verify(signer: NodeId, data: Uint8Array, signature: Uint8Array): boolean {
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
    const key = this.verifyKeyOf(signer);
    if (key === undefined) return false;
    try {
      return edVerify(null, data, key, signature);
    } catch {
      return false;
    }
  }

  /**
   * Throws InvariantError for a peer that is not in the configuration: the protocol chose to
   * send to it, so that is our bug, not the peer's.
   */
  mac(peer: NodeId, data: Uint8Array): Uint8Array {
    const key = this.macKeyOf(peer);
    if (key === undefined) {
      const why = this.knows(peer)
        ? 'has an unusable X25519 key'
        : `is not a configured peer of ${this.self}`;
      throw new InvariantError(`mac: node ${peer} ${why}`);
    }
    return plainBytes(createHmac('sha256', key).update(data).digest());
  }

  verifyMac(peer: NodeId, data: Uint8Array, tag: Uint8Array): boolean {
    if (!(tag instanceof Uint8Array) || tag.length !== MAC_BYTES) return false;
    const key = this.macKeyOf(peer);
    if (key === undefined) return false;
    const expected = createHmac('sha256', key).update(data).digest();
    return timingSafeEqual(expected, tag);
  }

  /** Whether `id` is a configured identity (for callers that want to refuse strangers early). */
  knows(id: NodeId): boolean {
    return this.identities.has(id);
  }

  private verifyKeyOf(signer: NodeId): KeyObject | undefined {
    const cached = this.verifyKeys.get(signer);
    if (cached !== undefined) return cached === REFUSED ? undefined : cached;
    const identity = this.identities.get(signer);
    if (identity === undefined) return undefined;
    let key: KeyObject | typeof REFUSED;
    try {
      key = signPublicKeyObject(identity.signPublicKey);
    } catch {
      key = REFUSED;
    }
    this.verifyKeys.set(signer, key);
    return key === REFUSED ? undefined : key;
  }

  private macKeyOf(peer: NodeId): Buffer | undefined {
    const cached = this.macKeys.get(peer);
    if (cached !== undefined) return cached === REFUSED ? undefined : cached;
    const identity = this.identities.get(peer);
    if (identity === undefined) return undefined;
    let key: Buffer | typeof REFUSED;
    try {
      key = Buffer.from(pairwiseMacKey(this.self, this.dhKey, peer, identity.dhPublicKey, this.clusterName));
    } catch {
      // X25519 refuses low-order public keys; such a peer can neither send nor receive MACs.
      key = REFUSED;
    }
    this.macKeys.set(peer, key);
    return key === REFUSED ? undefined : key;
  }
}
