// Proves mode 'none' keeps, inside one simulated world, the properties protocols rely on (a node's tag never verifies as another node's, tampering is caught, runs replay from the seed) by checking tags across the suites of one keyring.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAC_BYTES, SIGNATURE_BYTES } from '../../src/core/crypto-suite.js';
import { sha256 } from '../../src/crypto/keys.js';
import { NoneKeyring, type NoneCryptoSuite } from '../../src/crypto/none-suite.js';

const ids = [0, 1, 2, 3, 1000];
const keyring = NoneKeyring.fromSeed(42, ids);
const suite = (id: number): NoneCryptoSuite => keyring.suiteFor(id);
const data = new TextEncoder().encode('commit v=0 n=5');

describe('NoneCryptoSuite', () => {
  it('keeps a real SHA-256 digest', () => {
    assert.equal(suite(0).mode, 'none');
    assert.deepEqual(suite(0).digest(data), sha256(data));
  });

  it("verifies node 1's signature as node 1's and never as node 2's", () => {
    const signature = suite(1).sign(data);
    assert.equal(signature.length, SIGNATURE_BYTES);
    for (const id of ids) assert.equal(suite(id).verify(1, data, signature), true);
    assert.equal(suite(0).verify(2, data, signature), false);
    assert.notDeepEqual(suite(2).sign(data), signature);
  });

  it('rejects tampered data, tampered tags, wrong lengths and unknown signers', () => {
    const signature = suite(1).sign(data);
    const tampered = new Uint8Array(data);
    tampered[data.length - 1] = (tampered[data.length - 1] ?? 0) ^ 0x80;
    assert.equal(suite(0).verify(1, tampered, signature), false);
    assert.equal(suite(0).verify(1, data.subarray(0, data.length - 1), signature), false);
    const badSignature = new Uint8Array(signature);
    badSignature[40] = (badSignature[40] ?? 0) ^ 1;
    assert.equal(suite(0).verify(1, data, badSignature), false);
    assert.equal(suite(0).verify(1, data, signature.subarray(0, 32)), false);
    assert.equal(suite(0).verify(9, data, signature), false);
  });

  it('catches every single-bit change of a message', () => {
    const signature = suite(3).sign(data);
    for (let bit = 0; bit < data.length * 8; bit++) {
      const changed = new Uint8Array(data);
      changed[bit >> 3] = (changed[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      assert.equal(suite(0).verify(3, changed, signature), false, `bit ${bit}`);
    }
  });

  it("accepts a's MAC for b at b only", () => {
    const tag = suite(0).mac(1, data);
    assert.equal(tag.length, MAC_BYTES);
    assert.equal(suite(1).verifyMac(0, data, tag), true);
    assert.equal(suite(2).verifyMac(0, data, tag), false);
    assert.equal(suite(1).verifyMac(2, data, tag), false);
    assert.equal(suite(1).verifyMac(0, new Uint8Array([1, 2, 3]), tag), false);
    assert.equal(suite(1).verifyMac(0, data, tag.subarray(1)), false);
    assert.equal(suite(1000).verifyMac(0, data, suite(0).mac(1000, data)), true);
  });

  it('never lets a MAC pass as a signature', () => {
    const tag = suite(0).mac(0, data);
    const asSignature = new Uint8Array(SIGNATURE_BYTES);
    asSignature.set(tag);
    asSignature.set(tag, MAC_BYTES);
    assert.equal(suite(1).verify(0, data, asSignature), false);
  });

  it('replays from the seed and differs between seeds', () => {
    const again = NoneKeyring.fromSeed(42, ids).suiteFor(1);
    const otherWorld = NoneKeyring.fromSeed(43, ids).suiteFor(1);
    assert.deepEqual(again.sign(data), suite(1).sign(data));
    assert.notDeepEqual(otherWorld.sign(data), suite(1).sign(data));
    assert.equal(
      NoneKeyring.fromSeed(2 ** 40, ids)
        .suiteFor(1)
        .verify(1, data, suite(1).sign(data)),
      false,
    );
  });

  it('hands out no suite for an id outside the keyring', () => {
    assert.throws(() => keyring.suiteFor(4), { name: 'InvariantError' });
    assert.throws(() => suite(0).mac(4, data), { name: 'InvariantError' });
    assert.deepEqual(keyring.ids(), ids);
  });
});
