/**
 * Key material for Bulwark's real crypto: generating identities, turning the raw 32-byte keys of
 * the cluster file into node:crypto KeyObjects, X25519 agreement, HKDF-SHA256, and the pairwise
 * MAC key two nodes share. The TCP transport reuses `x25519`, `hkdfSha256` and the KeyObject
 * builders for its Noise handshake, so these stay small and free of suite state.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import * as nodeCrypto from 'node:crypto';
import { assert } from '../core/assert.js';
import type { PrivateIdentity, PublicIdentity } from '../core/cluster.js';
import type { NodeId } from '../core/ids.js';
import { isValidNodeId } from '../core/ids.js';

/** Raw length of every key Bulwark stores: Ed25519 seeds and public keys, X25519 keys. */
export const RAW_KEY_BYTES = 32;
export const PAIRWISE_KEY_BYTES = 32;
/** Domain label of the pairwise MAC key; bump the version if the derivation ever changes. */
export const MAC_KEY_INFO_LABEL = 'bulwark/mac/v1';

// DER prefixes of PKCS#8 private keys and SPKI public keys for the two curves (RFC 8410). The
// raw key follows the prefix, so importing is a concatenation and exporting a slice; this avoids
// the JWK path, which insists on a public `x` even when only the private `d` is used.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** A fresh key pair set for one member or client. */
export interface GeneratedIdentity {
  readonly privateIdentity: PrivateIdentity;
  readonly publicIdentity: PublicIdentity;
}

/** Generates the Ed25519 signing pair and the X25519 static pair of node `id` from OS randomness. */
export function generateIdentity(id: NodeId): GeneratedIdentity {
  assert(isValidNodeId(id), `generateIdentity: bad node id ${id}`);
  const sign = generateKeyPairSync('ed25519');
  const dh = generateKeyPairSync('x25519');
  const privateIdentity: PrivateIdentity = {
    id,
    signPrivateKey: rawPrivate(sign.privateKey),
    dhPrivateKey: rawPrivate(dh.privateKey),
  };
  const publicIdentity: PublicIdentity = {
    id,
    signPublicKey: rawPublic(sign.publicKey),
    dhPublicKey: rawPublic(dh.publicKey),
  };
  return { privateIdentity, publicIdentity };
}

/** The public half of a private identity, recomputed from the private keys. */
export function publicIdentityOf(priv: PrivateIdentity): PublicIdentity {
  return {
    id: priv.id,
    signPublicKey: rawPublic(createPublicKey(signPrivateKeyObject(priv.signPrivateKey))),
    dhPublicKey: rawPublic(createPublicKey(dhPrivateKeyObject(priv.dhPrivateKey))),
  };
}

/** Exports the raw 32 bytes of an Ed25519 or X25519 private KeyObject. */
export function rawPrivate(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  assert(der.length === ED25519_PKCS8_PREFIX.length + RAW_KEY_BYTES, 'rawPrivate: unexpected PKCS#8 length');
  return new Uint8Array(der.subarray(der.length - RAW_KEY_BYTES));
}

/** Exports the raw 32 bytes of an Ed25519 or X25519 public KeyObject. */
export function rawPublic(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  assert(der.length === ED25519_SPKI_PREFIX.length + RAW_KEY_BYTES, 'rawPublic: unexpected SPKI length');
  return new Uint8Array(der.subarray(der.length - RAW_KEY_BYTES));
}

export function signPrivateKeyObject(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: withPrefix(ED25519_PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' });
}

export function signPublicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: withPrefix(ED25519_SPKI_PREFIX, raw), format: 'der', type: 'spki' });
}

export function dhPrivateKeyObject(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: withPrefix(X25519_PKCS8_PREFIX, raw), format: 'der', type: 'pkcs8' });
}

export function dhPublicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: withPrefix(X25519_SPKI_PREFIX, raw), format: 'der', type: 'spki' });
}

/**
 * X25519 on raw keys: the 32-byte shared secret of `myPrivate` and `peerPublic`. Throws if the
 * peer key is a low-order point (OpenSSL refuses an all-zero secret), so callers that handle a
 * key from the wire must catch and treat the peer as refused.
 */
export function x25519(myPrivate: Uint8Array | KeyObject, peerPublic: Uint8Array | KeyObject): Uint8Array {
  const privateKey = myPrivate instanceof Uint8Array ? dhPrivateKeyObject(myPrivate) : myPrivate;
  const publicKey = peerPublic instanceof Uint8Array ? dhPublicKeyObject(peerPublic) : peerPublic;
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}

/** HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

/**
 * The HKDF info of the pairwise MAC key: the label, then both ids as big-endian u32, smaller
 * first, so that a and b feed the same bytes whichever of them derives the key.
 */
export function pairwiseInfo(a: NodeId, b: NodeId): Uint8Array {
  assert(isValidNodeId(a) && isValidNodeId(b), `pairwiseInfo: bad ids ${a}, ${b}`);
  const label = Buffer.from(MAC_KEY_INFO_LABEL, 'utf8');
  const info = Buffer.alloc(label.length + 8);
  label.copy(info, 0);
  info.writeUInt32BE(Math.min(a, b), label.length);
  info.writeUInt32BE(Math.max(a, b), label.length + 4);
  return info;
}

/**
 * The key both nodes use to authenticate frames to each other:
 * HKDF(ikm = X25519(mine, theirs), salt = cluster name, info = label || u32(min id) || u32(max id)).
 * The salt binds the key to one cluster, the ids bind it to one pair.
 */
export function pairwiseMacKey(
  myId: NodeId,
  myDhPrivate: Uint8Array | KeyObject,
  peerId: NodeId,
  peerDhPublic: Uint8Array | KeyObject,
  clusterName: string,
): Uint8Array {
  const shared = x25519(myDhPrivate, peerDhPublic);
  const salt = Buffer.from(clusterName, 'utf8');
  return hkdfSha256(shared, salt, pairwiseInfo(myId, peerId), PAIRWISE_KEY_BYTES);
}

// crypto.hash (one-shot, no Hash object) exists from Node 20.12 and is about 1.6x faster on
// short inputs; older Node 20 releases fall back to createHash.
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

/** SHA-256 of `data`, the digest of both crypto modes. */
export function sha256(data: Uint8Array): Uint8Array {
  if (oneShotHash !== undefined) return plainBytes(oneShotHash('sha256', data, 'buffer'));
  return plainBytes(createHash('sha256').update(data).digest());
}

/**
 * A zero-copy Uint8Array view of a Buffer. Both suites return plain Uint8Arrays, so results
 * compare equal across modes (node:assert's deepStrictEqual tells a Buffer from a Uint8Array).
 */
export function plainBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function withPrefix(prefix: Buffer, raw: Uint8Array): Buffer {
  assert(raw.length === RAW_KEY_BYTES, `raw key must be ${RAW_KEY_BYTES} bytes, got ${raw.length}`);
  return Buffer.concat([prefix, raw]);
}
