// Proves the key helpers are the standard primitives (RFC 8032, RFC 7748 and RFC 5869 vectors) and that both ends of a pair derive one MAC key bound to the pair and the cluster.
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  generateIdentity,
  hkdfSha256,
  pairwiseInfo,
  pairwiseMacKey,
  publicIdentityOf,
  rawPublic,
  signPrivateKeyObject,
  signPublicKeyObject,
  x25519,
} from '../../src/crypto/keys.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('keys', () => {
  it('imports a raw Ed25519 seed and signs as RFC 8032 test 1 says', () => {
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const key = signPrivateKeyObject(seed);
    assert.equal(
      toHex(
        rawPublic(
          signPublicKeyObject(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')),
        ),
      ),
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    assert.equal(
      toHex(sign(null, new Uint8Array(), key)),
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('computes X25519 on raw keys as RFC 7748 §6.1 says', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    assert.equal(
      toHex(x25519(alice, bobPublic)),
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    );
  });

  it('refuses a low-order X25519 public key by throwing', () => {
    const me = generateIdentity(0).privateIdentity;
    assert.throws(() => x25519(me.dhPrivateKey, new Uint8Array(32)));
  });

  it('derives HKDF-SHA256 as RFC 5869 test case 1 says', () => {
    const okm = hkdfSha256(
      new Uint8Array(22).fill(0x0b),
      hex('000102030405060708090a0b0c'),
      hex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    assert.equal(
      toHex(okm),
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('round-trips generated identities through the raw bytes', () => {
    const { privateIdentity, publicIdentity } = generateIdentity(7);
    assert.equal(privateIdentity.signPrivateKey.length, 32);
    assert.equal(privateIdentity.dhPrivateKey.length, 32);
    assert.deepEqual(publicIdentityOf(privateIdentity), publicIdentity);
  });

  it('gives both ends of a pair the same key, distinct per pair and per cluster', () => {
    const a = generateIdentity(0);
    const b = generateIdentity(3);
    const c = generateIdentity(1001);
    const ab = pairwiseMacKey(0, a.privateIdentity.dhPrivateKey, 3, b.publicIdentity.dhPublicKey, 'x');
    const ba = pairwiseMacKey(3, b.privateIdentity.dhPrivateKey, 0, a.publicIdentity.dhPublicKey, 'x');
    const ac = pairwiseMacKey(0, a.privateIdentity.dhPrivateKey, 1001, c.publicIdentity.dhPublicKey, 'x');
    const abOther = pairwiseMacKey(0, a.privateIdentity.dhPrivateKey, 3, b.publicIdentity.dhPublicKey, 'y');
    assert.equal(ab.length, 32);
    assert.deepEqual(ab, ba);
    assert.notDeepEqual(ab, ac);
    assert.notDeepEqual(ab, abOther);
  });

  it('puts the smaller id first in the HKDF info', () => {
    const info = pairwiseInfo(5, 2);
    assert.deepEqual(info, pairwiseInfo(2, 5));
    assert.equal(
      Buffer.from(info).toString('hex'),
      Buffer.from('bulwark/mac/v1').toString('hex') + '00000002' + '00000005',
    );
  });
});
