/**
 * Crypto mode 'none': near-free stand-ins for signatures and MACs, for the deterministic
 * simulator and for benchmarks that want to measure a protocol without the cost of Ed25519.
 *
 * 'none' PROVIDES NO SECURITY AT ALL OUTSIDE THE SIMULATOR. Its tags come from a 64-bit
 * non-cryptographic keyed hash: anyone who sees a few tags, or who can read process memory, or
 * who simply guesses, can forge them. `assertModeAllowed` (suite.ts) refuses it for a real
 * deployment; only `bulwark sim` and `bulwark bench` accept it.
 *
 * What it does give, inside one simulated world, is the property the protocols depend on: a
 * node's suite can only tag under its own secret, and the secrets live in a keyring that hands
 * them to nobody. So a Byzantine node played by an adversary that holds only its own suite
 * cannot produce a tag that verifies as another node's; it can only replay tags it has seen,
 * which is exactly what it could do in the real mode. Digests stay real SHA-256, because
 * digests name requests and states and must not collide.
 */
import { InvariantError } from '../core/assert.js';
import { MAC_BYTES, SIGNATURE_BYTES, type CryptoMode, type CryptoSuite } from '../core/crypto-suite.js';
import type { NodeId } from '../core/ids.js';
import { sha256 } from './keys.js';

/** A node's secret: two 32-bit words, one per lane of the keyed hash. */
interface NoneSecret {
  readonly lane1: number;
  readonly lane2: number;
}

// The secrets of each keyring, reachable only from this module: a NoneKeyring offers no
// accessor, so holding one lets a caller build suites but never read or copy a secret.
const secretsOf = new WeakMap<NoneKeyring, ReadonlyMap<NodeId, NoneSecret>>();

// Domain constants keep a signature from ever being a MAC of the same bytes and vice versa.
const DOMAIN_SIGN = 0x5349_474e;
const DOMAIN_MAC = 0x4d41_4321;

/**
 * The secrets of every node of one simulated world, derived from the world's seed so a run
 * replays exactly. Build one per world and give each node `suiteFor(itsId)`; give an adversary
 * the suites of the nodes it corrupts, never the keyring (nor the seed, from which the same
 * keyring can be rebuilt: unforgeability here is a discipline of the simulator's code, not math).
 */
export class NoneKeyring {
  private constructor() {}

  static fromSeed(seed: number, ids: Iterable<NodeId>): NoneKeyring {
    const keyring = new NoneKeyring();
    const secrets = new Map<NodeId, NoneSecret>();
    for (const id of ids) {
      secrets.set(id, {
        lane1: splitMix(seed, id, 1),
        lane2: splitMix(seed, id, 2),
      });
    }
    secretsOf.set(keyring, secrets);
    return keyring;
  }

  has(id: NodeId): boolean {
    return secretsIn(this).has(id);
  }

  ids(): NodeId[] {
    return [...secretsIn(this).keys()];
  }

  /** The suite of node `id`: it signs under `id`'s secret only. */
  suiteFor(id: NodeId): NoneCryptoSuite {
    return new NoneCryptoSuite(this, id);
  }
}

export class NoneCryptoSuite implements CryptoSuite {
  readonly mode: CryptoMode = 'none';
  readonly self: NodeId;

  private readonly secrets: ReadonlyMap<NodeId, NoneSecret>;
  private readonly own: NoneSecret;
  private readonly pairSecrets = new Map<NodeId, NoneSecret>();

  constructor(keyring: NoneKeyring, self: NodeId) {
    const secrets = secretsIn(keyring);
    const own = secrets.get(self);
    if (own === undefined)
      throw new InvariantError(`NoneCryptoSuite: node ${self} has no secret in the keyring`);
    this.self = self;
    this.secrets = secrets;
    this.own = own;
  }

  digest(data: Uint8Array): Uint8Array {
    return sha256(data);
  }

  sign(data: Uint8Array): Uint8Array {
    return keyedTag(this.own, DOMAIN_SIGN, data, SIGNATURE_BYTES);
  }

  verify(signer: NodeId, data: Uint8Array, signature: Uint8Array): boolean {
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
    const secret = this.secrets.get(signer);
    if (secret === undefined) return false;
    return bytesEqual(keyedTag(secret, DOMAIN_SIGN, data, SIGNATURE_BYTES), signature);
  }

  mac(peer: NodeId, data: Uint8Array): Uint8Array {
    const secret = this.pairSecret(peer);
    if (secret === undefined)
      throw new InvariantError(`mac: node ${peer} is not in the keyring of ${this.self}`);
    return keyedTag(secret, DOMAIN_MAC, data, MAC_BYTES);
  }

  verifyMac(peer: NodeId, data: Uint8Array, tag: Uint8Array): boolean {
    if (!(tag instanceof Uint8Array) || tag.length !== MAC_BYTES) return false;
    const secret = this.pairSecret(peer);
    if (secret === undefined) return false;
    return bytesEqual(keyedTag(secret, DOMAIN_MAC, data, MAC_BYTES), tag);
  }

  /** The pair's secret mixes both nodes' secrets, smaller id first, so both ends agree. */
  private pairSecret(peer: NodeId): NoneSecret | undefined {
    const cached = this.pairSecrets.get(peer);
    if (cached !== undefined) return cached;
    const other = this.secrets.get(peer);
    if (other === undefined) return undefined;
    const [lo, hi] = this.self <= peer ? [this.own, other] : [other, this.own];
    const pair: NoneSecret = {
      lane1: fmix32((lo.lane1 ^ rotl(hi.lane1, 16)) + Math.imul(hi.lane2, 0x9e3779b9)),
      lane2: fmix32((lo.lane2 ^ rotl(hi.lane2, 16)) + Math.imul(hi.lane1, 0x85ebca6b)),
    };
    this.pairSecrets.set(peer, pair);
    return pair;
  }
}

/**
 * Two murmur3-style 32-bit lanes over the data, four bytes a step, each keyed with one word of
 * the secret; the 64-bit result is then stretched through fmix32 to fill `length` bytes. A
 * random change to the data passes with probability about 2^-64, which is what matters for a
 * simulated adversary that mutates messages.
 */
function keyedTag(secret: NoneSecret, domain: number, data: Uint8Array, length: number): Uint8Array {
  let h1 = secret.lane1 ^ domain;
  let h2 = secret.lane2 ^ Math.imul(domain, 0x85ebca6b);
  const n = data.length;
  const end = n & ~3;
  for (let i = 0; i < end; i += 4) {
    // `?? 0` only satisfies noUncheckedIndexedAccess: i + 3 < n, so every read is in bounds.
    const w =
      (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    h1 ^= Math.imul(rotl(Math.imul(w, 0xcc9e2d51), 15), 0x1b873593);
    h1 = (Math.imul(rotl(h1, 13), 5) + 0xe6546b64) | 0;
    h2 ^= Math.imul(rotl(Math.imul(w, 0x85ebca77), 17), 0xc2b2ae3d);
    h2 = (Math.imul(rotl(h2, 11), 9) + 0x27d4eb2f) | 0;
  }
  let tail = 0;
  for (let i = n - 1; i >= end; i--) tail = (tail << 8) | (data[i] ?? 0);
  h1 ^= Math.imul(rotl(Math.imul(tail, 0xcc9e2d51), 15), 0x1b873593) ^ n;
  h2 ^= Math.imul(rotl(Math.imul(tail, 0x85ebca77), 17), 0xc2b2ae3d) ^ n;
  h1 = fmix32(h1);
  h2 = fmix32(h2 + h1);
  h1 = (h1 + h2) | 0;

  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 4) {
    const word = fmix32((h1 ^ Math.imul(i + 1, 0x9e3779b9)) + rotl(h2, i & 31));
    out[i] = word & 0xff;
    out[i + 1] = (word >>> 8) & 0xff;
    out[i + 2] = (word >>> 16) & 0xff;
    out[i + 3] = word >>> 24;
  }
  return out;
}

/** SplitMix32-style: spreads a (seed, id, lane) triple over 32 bits; seeds up to 2^53 all count. */
function secretsIn(keyring: NoneKeyring): ReadonlyMap<NodeId, NoneSecret> {
  const secrets = secretsOf.get(keyring);
  if (secrets === undefined) throw new InvariantError('NoneKeyring: not built by NoneKeyring.fromSeed');
  return secrets;
}

function splitMix(seed: number, id: NodeId, lane: number): number {
  const seedHigh = Math.floor(seed / 0x1_0000_0000) >>> 0;
  let z =
    (seed >>> 0) ^ fmix32(seedHigh + lane) ^ Math.imul(id + 1, 0x9e3779b9) ^ Math.imul(lane, 0x632be5ab);
  z = (z + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
