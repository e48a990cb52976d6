/**
 * Noise_IK_25519_ChaChaPoly_SHA256 over node:crypto, following the Noise Protocol Framework,
 * revision 34 (https://noiseprotocol.org/noise.html). IK is the pattern for a cluster: every node
 * already knows every other node's static key from the cluster file (the "K"), so the initiator
 * can encrypt its own static key to the responder in the very first message (the "I"), and the
 * handshake completes in one round trip. The names below (CipherState, SymmetricState, MixKey,
 * MixHash, Split, ...) are the spec's, so each function can be checked against its section.
 *
 * This module is pure computation: no sockets. Failures are returned, never thrown, because
 * every input that reaches it after the first call came from the network.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

export const PROTOCOL_NAME = 'Noise_IK_25519_ChaChaPoly_SHA256';
/** Noise §4.1: DHLEN for 25519. */
export const DH_BYTES = 32;
/** Noise §4.3: HASHLEN for SHA256. */
export const HASH_BYTES = 32;
export const KEY_BYTES = 32;
/** Noise §4.2: the AEAD tag of ChaChaPoly. */
export const TAG_BYTES = 16;

/** IK message 1 (-> e, es, s, ss) is e, encrypted s and the encrypted payload. */
export function ikMessage1Bytes(payloadBytes: number): number {
  return DH_BYTES + DH_BYTES + TAG_BYTES + payloadBytes + TAG_BYTES;
}
/** IK message 2 (<- e, ee, se) is e and the encrypted payload. */
export function ikMessage2Bytes(payloadBytes: number): number {
  return DH_BYTES + payloadBytes + TAG_BYTES;
}

export interface DhKeyPair {
  readonly privateKey: KeyObject;
  /** The raw 32-byte public key, as it goes on the wire. */
  readonly publicKey: Buffer;
}

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A key pair from a raw private key (the cluster's key files hold raw 32-byte keys). */
export function dhKeyPairFromPrivate(privateRaw: Uint8Array): DhKeyPair {
  if (privateRaw.byteLength !== DH_BYTES) throw new Error('an X25519 private key is 32 bytes');
  // PKCS#8 rather than JWK so the public half is derived from the private one, never trusted.
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, privateRaw]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/** Noise §4.1 GENERATE_KEYPAIR(). */
export function generateDhKeyPair(): DhKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

function rawPublicKey(privateKey: KeyObject): Buffer {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/** An X25519 public key object from 32 raw bytes (JWK import is ~8x cheaper than SPKI DER). */
export function dhPublicKey(raw: Uint8Array): KeyObject | undefined {
  if (raw.byteLength !== DH_BYTES) return undefined;
  try {
    const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/**
 * Noise §4.1 DH(key_pair, public_key). OpenSSL refuses low-order points (an all-zero shared
 * secret); §4.1 lets an implementation signal an error on an invalid public key, and here that
 * error comes back as undefined, a failed handshake.
 */
export function dh(own: DhKeyPair, remote: KeyObject | Uint8Array): Buffer | undefined {
  const publicKey = remote instanceof Uint8Array ? dhPublicKey(remote) : remote;
  if (publicKey === undefined) return undefined;
  try {
    return diffieHellman({ privateKey: own.privateKey, publicKey });
  } catch {
    return undefined;
  }
}

/** Noise §5.1 / §12.3: the 96-bit ChaChaPoly nonce is 32 zero bits, then n as 64-bit little-endian. */
export function chachaNonce(n: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32LE(n >>> 0, 4);
  nonce.writeUInt32LE(Math.floor(n / 0x1_0000_0000), 8);
  return nonce;
}

/** Noise §4.2 ENCRYPT(k, n, ad, plaintext): ciphertext with the 16-byte tag appended. */
export function aeadEncrypt(k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', k, chachaNonce(n), { authTagLength: TAG_BYTES });
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** Noise §4.2 DECRYPT(k, n, ad, ciphertext): the plaintext, or undefined when the tag is wrong. */
export function aeadDecrypt(
  k: Uint8Array,
  n: number,
  ad: Uint8Array,
  sealed: Uint8Array,
): Buffer | undefined {
  if (sealed.byteLength < TAG_BYTES) return undefined;
  const bodyBytes = sealed.byteLength - TAG_BYTES;
  const decipher = createDecipheriv('chacha20-poly1305', k, chachaNonce(n), { authTagLength: TAG_BYTES });
  decipher.setAAD(ad, { plaintextLength: bodyBytes });
  decipher.setAuthTag(sealed.subarray(bodyBytes));
  const body = decipher.update(sealed.subarray(0, bodyBytes));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return body;
}

/** Noise §4.3 HASH(data). */
export function hash(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const m = createHmac('sha256', key);
  for (const p of parts) m.update(p);
  return m.digest();
}

/** Noise §4.3 HKDF(chaining_key, input_key_material, 2). */
export function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Buffer, Buffer] {
  const tempKey = hmac(chainingKey, ikm);
  const output1 = hmac(tempKey, Uint8Array.of(1));
  const output2 = hmac(tempKey, output1, Uint8Array.of(2));
  return [output1, output2];
}

/** Noise §5.1: a key and a counter nonce; without a key it passes data through. */
export class CipherState {
  k: Buffer | undefined;
  n = 0;

  constructor(k?: Buffer) {
    this.k = k;
  }

  hasKey(): boolean {
    return this.k !== undefined;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Buffer {
    if (this.k === undefined) return Buffer.from(plaintext);
    const out = aeadEncrypt(this.k, this.n, ad, plaintext);
    this.n += 1;
    return out;
  }

  /** §5.1: on an authentication failure n is not incremented. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Buffer | undefined {
    if (this.k === undefined) return Buffer.from(ciphertext);
    const out = aeadDecrypt(this.k, this.n, ad, ciphertext);
    if (out !== undefined) this.n += 1;
    return out;
  }
}

/** Noise §5.2: the chaining key, the transcript hash and the current handshake cipher. */
export class SymmetricState {
  ck: Buffer;
  h: Buffer;
  readonly cipher = new CipherState();

  /** §5.2 InitializeSymmetric: a name of at most HASHLEN bytes is zero-padded, not hashed. */
  constructor(protocolName: string) {
    const name = Buffer.from(protocolName, 'ascii');
    this.h =
      name.byteLength <= HASH_BYTES
        ? Buffer.concat([name, Buffer.alloc(HASH_BYTES - name.byteLength)])
        : hash(name);
    this.ck = this.h;
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf2(this.ck, ikm);
    this.ck = ck;
    this.cipher.k = tempK;
    this.cipher.n = 0;
  }

  mixHash(data: Uint8Array): void {
    this.h = hash(this.h, data);
  }

  encryptAndHash(plaintext: Uint8Array): Buffer {
    const c = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(c);
    return c;
  }

  decryptAndHash(ciphertext: Uint8Array): Buffer | undefined {
    const p = this.cipher.decryptWithAd(this.h, ciphertext);
    if (p !== undefined) this.mixHash(ciphertext);
    return p;
  }

  /** §5.2 Split: the first key protects initiator-to-responder traffic, the second the reverse. */
  split(): TransportKeys {
    const [k1, k2] = hkdf2(this.ck, Buffer.alloc(0));
    return { initiatorToResponder: k1, responderToInitiator: k2, handshakeHash: this.h };
  }
}

export interface TransportKeys {
  readonly initiatorToResponder: Buffer;
  readonly responderToInitiator: Buffer;
  /** §11.2 channel binding: equal on both sides of one handshake. */
  readonly handshakeHash: Buffer;
}

/** Noise §5.3 Initialize for IK: the prologue, then the pre-message `<- s`. */
function initializeIk(prologue: Uint8Array, responderStatic: Uint8Array): SymmetricState {
  const ss = new SymmetricState(PROTOCOL_NAME);
  ss.mixHash(prologue);
  ss.mixHash(responderStatic);
  return ss;
}

export interface IkInitiatorState {
  readonly symmetric: SymmetricState;
  readonly s: DhKeyPair;
  readonly e: DhKeyPair;
  readonly rs: KeyObject;
}

export type HandshakeFailure = 'bad-length' | 'bad-key' | 'unknown-key' | 'bad-mac';

export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: HandshakeFailure };

const fail = <T>(reason: HandshakeFailure): Outcome<T> => ({ ok: false, reason });

/**
 * IK message 1, `-> e, es, s, ss`, with `payload` encrypted under a key that already depends on
 * both static keys. `e` may be given only by test vectors; otherwise it is fresh.
 */
export function ikWriteMessage1(
  s: DhKeyPair,
  responderStatic: Uint8Array,
  prologue: Uint8Array,
  payload: Uint8Array,
  e: DhKeyPair = generateDhKeyPair(),
): Outcome<{ message: Buffer; state: IkInitiatorState }> {
  const rs = dhPublicKey(responderStatic);
  if (rs === undefined) return fail('bad-key');
  const sym = initializeIk(prologue, responderStatic);
  sym.mixHash(e.publicKey);
  const es = dh(e, rs);
  if (es === undefined) return fail('bad-key');
  sym.mixKey(es);
  const encryptedS = sym.encryptAndHash(s.publicKey);
  const ss = dh(s, rs);
  if (ss === undefined) return fail('bad-key');
  sym.mixKey(ss);
  const encryptedPayload = sym.encryptAndHash(payload);
  const message = Buffer.concat([e.publicKey, encryptedS, encryptedPayload]);
  return { ok: true, value: { message, state: { symmetric: sym, s, e, rs } } };
}

export interface IkResponderState {
  readonly symmetric: SymmetricState;
  readonly s: DhKeyPair;
  readonly re: KeyObject;
  readonly rs: KeyObject;
  /** The initiator's static key as it arrived: the caller names the peer by it. */
  readonly rsRaw: Buffer;
}

/**
 * Reads IK message 1. `isKnown` is asked as soon as the initiator's static key is decrypted, so a
 * stranger is refused before the responder spends a second DH on it; the payload decrypts only
 * if the sender holds the private half of that key (the `ss` token), which authenticates it.
 */
export function ikReadMessage1(
  s: DhKeyPair,
  prologue: Uint8Array,
  message: Uint8Array,
  payloadBytes: number,
  isKnown: (initiatorStatic: Buffer) => boolean = () => true,
): Outcome<{ payload: Buffer; state: IkResponderState }> {
  if (message.byteLength !== ikMessage1Bytes(payloadBytes)) return fail('bad-length');
  const sym = initializeIk(prologue, s.publicKey);
  const reRaw = message.subarray(0, DH_BYTES);
  const re = dhPublicKey(reRaw);
  if (re === undefined) return fail('bad-key');
  sym.mixHash(reRaw);
  const es = dh(s, re);
  if (es === undefined) return fail('bad-key');
  sym.mixKey(es);
  const rsRaw = sym.decryptAndHash(message.subarray(DH_BYTES, 2 * DH_BYTES + TAG_BYTES));
  if (rsRaw === undefined) return fail('bad-mac');
  if (!isKnown(rsRaw)) return fail('unknown-key');
  const rs = dhPublicKey(rsRaw);
  if (rs === undefined) return fail('bad-key');
  const ss = dh(s, rs);
  if (ss === undefined) return fail('bad-key');
  sym.mixKey(ss);
  const payload = sym.decryptAndHash(message.subarray(2 * DH_BYTES + TAG_BYTES));
  if (payload === undefined) return fail('bad-mac');
  return { ok: true, value: { payload, state: { symmetric: sym, s, re, rs, rsRaw } } };
}

/** IK message 2, `<- e, ee, se`; after it the responder holds the transport keys. */
export function ikWriteMessage2(
  state: IkResponderState,
  payload: Uint8Array,
  e: DhKeyPair = generateDhKeyPair(),
): Outcome<{ message: Buffer; keys: TransportKeys }> {
  const sym = state.symmetric;
  sym.mixHash(e.publicKey);
  const ee = dh(e, state.re);
  const se = dh(e, state.rs);
  if (ee === undefined || se === undefined) return fail('bad-key');
  sym.mixKey(ee);
  sym.mixKey(se);
  const encryptedPayload = sym.encryptAndHash(payload);
  return { ok: true, value: { message: Buffer.concat([e.publicKey, encryptedPayload]), keys: sym.split() } };
}

/** Reads IK message 2; success proves the responder holds its static key and this handshake's e. */
export function ikReadMessage2(
  state: IkInitiatorState,
  message: Uint8Array,
  payloadBytes: number,
): Outcome<{ payload: Buffer; keys: TransportKeys }> {
  if (message.byteLength !== ikMessage2Bytes(payloadBytes)) return fail('bad-length');
  const sym = state.symmetric;
  const reRaw = message.subarray(0, DH_BYTES);
  const re = dhPublicKey(reRaw);
  if (re === undefined) return fail('bad-key');
  sym.mixHash(reRaw);
  const ee = dh(state.e, re);
  const se = dh(state.s, re);
  if (ee === undefined || se === undefined) return fail('bad-key');
  sym.mixKey(ee);
  sym.mixKey(se);
  const payload = sym.decryptAndHash(message.subarray(DH_BYTES));
  if (payload === undefined) return fail('bad-mac');
  return { ok: true, value: { payload, keys: sym.split() } };
}
