// Proves the real suite's signatures and pairwise MACs accept exactly what the right node produced, by round trips and by tampering with data, signer, length and key in every way a peer could.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublicIdentity } from '../../src/core/cluster.js';
import { DIGEST_BYTES, MAC_BYTES, SIGNATURE_BYTES } from '../../src/core/crypto-suite.js';
import { generateIdentity, sha256 } from '../../src/crypto/keys.js';
import { RealCryptoSuite } from '../../src/crypto/real-suite.js';

const CLUSTER = 'test-cluster';
const ids = [0, 1, 2, 1000];
const generated = ids.map((id) => generateIdentity(id));
const publics = generated.map((g) => g.publicIdentity);
const suites = new Map(
  generated.map((g) => [g.privateIdentity.id, new RealCryptoSuite(g.privateIdentity, publics, CLUSTER)]),
);

/** Item `i` of a list the test itself built, so its absence would be a bug of the test. */
function nth<T>(list: readonly T[], i: number): T {
  const item = list[i];
  assert.ok(item !== undefined, `no item ${i}`);
  return item;
}

function suite(id: number): RealCryptoSuite {
  const found = suites.get(id);
  assert.ok(found !== undefined, `no suite for ${id}`);
  return found;
}
const data = new TextEncoder().encode('pre-prepare v=3 n=17 d=...');

function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index] = nth([...copy], index) ^ 0x01;
  return copy;
}

describe('RealCryptoSuite', () => {
  it('digests with SHA-256', () => {
    const d = suite(0).digest(data);
    assert.equal(d.length, DIGEST_BYTES);
    assert.deepEqual(d, sha256(data));
    assert.equal(Buffer.from(suite(0).digest(new Uint8Array())).toString('hex').slice(0, 8), 'e3b0c442');
  });

  it('signs so that every node, itself included, verifies', () => {
    const signature = suite(1).sign(data);
    assert.equal(signature.length, SIGNATURE_BYTES);
    for (const id of ids) assert.equal(suite(id).verify(1, data, signature), true, `verified at ${id}`);
  });

  it('rejects tampered data and tampered signatures', () => {
    const signature = suite(1).sign(data);
    assert.equal(suite(0).verify(1, flipped(data, 0), signature), false);
    assert.equal(suite(0).verify(1, data.subarray(1), signature), false);
    assert.equal(suite(0).verify(1, data, flipped(signature, 10)), false);
    assert.equal(suite(0).verify(1, data, flipped(signature, 63)), false);
  });

  it('rejects a signature presented as another signer', () => {
    const signature = suite(1).sign(data);
    assert.equal(suite(0).verify(2, data, signature), false);
    assert.equal(suite(0).verify(1000, data, signature), false);
  });

  it('returns false, without throwing, for wrong lengths and unknown signers', () => {
    const signature = suite(1).sign(data);
    assert.equal(suite(0).verify(1, data, signature.subarray(0, 63)), false);
    assert.equal(suite(0).verify(1, data, new Uint8Array(65)), false);
    assert.equal(suite(0).verify(1, data, new Uint8Array()), false);
    assert.equal(suite(0).verify(99, data, signature), false);
    assert.equal(suite(0).verify(-1, data, signature), false);
    assert.equal(suite(0).verify(1, data, 'not bytes' as unknown as Uint8Array), false);
  });

  it("accepts a's MAC for b at b, not at c, and not after tampering", () => {
    const tag = suite(0).mac(1, data);
    assert.equal(tag.length, MAC_BYTES);
    assert.equal(suite(1).verifyMac(0, data, tag), true);
    assert.equal(suite(2).verifyMac(0, data, tag), false);
    assert.equal(suite(1000).verifyMac(0, data, tag), false);
    assert.equal(suite(1).verifyMac(2, data, tag), false);
    assert.equal(suite(1).verifyMac(0, flipped(data, 3), tag), false);
    assert.equal(suite(1).verifyMac(0, data, flipped(tag, 31)), false);
  });

  it('authenticates both directions of a pair with one key, clients included', () => {
    assert.equal(suite(0).verifyMac(1000, data, suite(1000).mac(0, data)), true);
    assert.equal(suite(1000).verifyMac(0, data, suite(0).mac(1000, data)), true);
  });

  it('returns false for MACs of wrong length or from unknown peers', () => {
    const tag = suite(0).mac(1, data);
    assert.equal(suite(1).verifyMac(0, data, tag.subarray(0, 16)), false);
    assert.equal(suite(1).verifyMac(0, data, new Uint8Array(64)), false);
    assert.equal(suite(1).verifyMac(12345, data, tag), false);
  });

  it('refuses to MAC for a peer it does not know, as a bug of the caller', () => {
    assert.throws(() => suite(0).mac(77, data), { name: 'InvariantError' });
  });

  it('does not accept MACs made under another cluster name', () => {
    const other = new RealCryptoSuite(nth(generated, 0).privateIdentity, publics, 'other-cluster');
    assert.equal(suite(1).verifyMac(0, data, other.mac(1, data)), false);
  });

  it('treats a peer with a low-order X25519 key as unable to authenticate', () => {
    const bad: PublicIdentity = {
      id: 5,
      signPublicKey: nth(publics, 1).signPublicKey,
      dhPublicKey: new Uint8Array(32),
    };
    const withBad = new RealCryptoSuite(
      nth(generated, 0).privateIdentity,
      [...publics.slice(2), bad],
      CLUSTER,
    );
    assert.equal(withBad.verifyMac(5, data, new Uint8Array(32)), false);
    assert.throws(() => withBad.mac(5, data), /unusable X25519 key/);
  });

  it('returns plain Uint8Arrays, as the none suite does', () => {
    for (const bytes of [suite(0).digest(data), suite(0).sign(data), suite(0).mac(1, data)]) {
      assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype);
    }
  });

  it('refuses a configuration whose own listed keys are another node’s', () => {
    const wrongSelf = { ...nth(generated, 1).privateIdentity, id: 0 };
    assert.throws(() => new RealCryptoSuite(wrongSelf, publics, CLUSTER), /do not match/);
  });
});
