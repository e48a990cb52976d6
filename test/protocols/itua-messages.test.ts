// Proves the ITUA message schemas are canonical and bounded: every kind decodes to what was encoded
// and re-encodes to the same bytes, and frames that overstate a body, a certificate, a reply's
// Merkle path or a
// stability array, or carry an unknown kind, come back as typed decode errors, never exceptions.
// Frames are built with the codec and then altered byte by byte.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SIGNATURE_BYTES_MAX, type CryptoSuite } from '../../src/core/crypto-suite.js';
import { codec } from '../../src/codec/frame.js';
import {
  REPLY_PATH_MAX,
  bodySchema,
  ituaLimits,
  ituaSchema,
  type ItuaMessage,
} from '../../src/protocols/itua/messages.js';
import { VerifiedBatches } from '../../src/protocols/itua/signing.js';
import { validateDigest, validateNak, validateOrder } from '../../src/protocols/itua/validate.js';
import { bytes, certified, digestOf, keyring, recordingEnv } from './itua-harness.js';

const itua = codec(ituaSchema);
const sig = new Uint8Array(64).fill(5);
const signed = { digest: new Uint8Array(32).fill(9), sig };

const samples: ItuaMessage[] = [
  digestOf(4, 0, 1, bytes(1)),
  { kind: 'rm-reply', view: 3, sender: 2, seq: 7, digest: signed.digest, sig, index: 0, path: [] },
  {
    kind: 'rm-reply',
    view: 3,
    sender: 2,
    seq: 7,
    digest: signed.digest,
    sig,
    index: 5,
    path: [signed.digest, signed.digest, signed.digest],
  },
  certified(4, 1, 2, bytes(1, 2, 3), [0, 1, 2]),
  { kind: 'rm-nak', view: 0, sender: 1, fromSeq: 3, toSeq: 9, held: signed },
  { kind: 'rm-nak', view: 0, sender: 1, fromSeq: 3, toSeq: 9, held: undefined },
  {
    kind: 'rm-proof',
    view: 0,
    sender: 1,
    seq: 4,
    first: signed,
    second: { ...signed, sig: sig.map((x) => x + 1) },
  },
  { kind: 'st-report', view: 0, received: [0, 5, 2 ** 40, 1], consumed: [0, 4, 2 ** 40, 0], sig },
];

/** Patches a big-endian u32 into a copy of `frame` at `offset`. */
function patchU32(frame: Uint8Array, offset: number, value: number): Uint8Array {
  const out = frame.slice();
  new DataView(out.buffer).setUint32(offset, value);
  return out;
}

describe('itua messages', () => {
  it('round-trip every kind canonically', () => {
    for (const m of samples) {
      const frame = itua.encode(m);
      const back = itua.decode(frame);
      assert.ok(back.ok, m.kind);
      assert.deepEqual(back.value, m);
      assert.deepEqual(itua.encode(back.value), frame);
    }
    const body = codec(bodySchema);
    for (const b of [
      { kind: 'fifo', data: bytes(1) },
      { kind: 'ordered', order: 12, data: bytes() },
      { kind: 'null', order: 5 },
    ] as const) {
      const back = body.decode(body.encode(b));
      assert.ok(back.ok);
      assert.deepEqual(back.value, b);
    }
  });

  it('refuse overstated lengths and counts, unknown kinds and trailing bytes as typed errors', () => {
    const msg = itua.encode(certified(4, 1, 2, bytes(1, 2, 3), [0, 1, 2]));
    // version(1) tag(1) view(4) sender(2) seq(8), then the body's u32 length.
    const codeOf = (frame: Uint8Array) => {
      const r = itua.decode(frame);
      return r.ok ? 'ok' : r.error.code;
    };
    assert.equal(codeOf(patchU32(msg, 16, ituaLimits.bodyBytesMax + 1)), 'TOO_LONG');
    // Then the signature's u32 length (bounded: RSA signatures are longer than Ed25519's) and bytes.
    const sigLengthAt = 16 + 4 + 3;
    assert.equal(codeOf(patchU32(msg, sigLengthAt, SIGNATURE_BYTES_MAX + 1)), 'TOO_LONG');
    const certCountAt = sigLengthAt + 4 + 64;
    assert.equal(codeOf(patchU32(msg, certCountAt, ituaLimits.membersMax + 1)), 'TOO_MANY');
    assert.equal(codeOf(patchU32(msg, certCountAt, 200)), 'TRUNCATED');
    // A reply's Merkle path: version, tag, view, sender, seq, digest, signature, index, then its count.
    const reply = itua.encode(samples[2] as ItuaMessage);
    const pathCountAt = 1 + 1 + 4 + 2 + 8 + 32 + 4 + 64 + 2;
    assert.equal(codeOf(reply), 'ok');
    assert.equal(codeOf(patchU32(reply, pathCountAt, REPLY_PATH_MAX + 1)), 'TOO_MANY');
    const report = itua.encode({ kind: 'st-report', view: 0, received: [1, 2], consumed: [1, 2], sig });
    assert.equal(codeOf(patchU32(report, 6, 100_000)), 'TOO_MANY');
    const unknown = msg.slice();
    unknown[1] = 99;
    assert.equal(codeOf(unknown), 'UNKNOWN_TAG');
    assert.equal(codeOf(Uint8Array.of(...msg, 0)), 'TRAILING_BYTES');
  });

  it('give typed verdicts on numbering and on negative acknowledgements', () => {
    assert.equal(validateOrder(1, 6, 1, 4, 10), 'ORDER_NOT_IN_PARTITION');
    assert.equal(validateOrder(1, 1, 1, 4, 10), 'ORDER_NOT_INCREASING');
    assert.equal(validateOrder(1, 1 + 4 * 11, 1, 4, 10), 'ORDER_SKIP_TOO_FAR');
    assert.equal(validateOrder(1, 1 + 4 * 10, 1, 4, 10), undefined);
    const { env } = recordingEnv(4, 0);
    const ctx = { ...env, stable: () => 0, windowMax: 8, verified: new VerifiedBatches() };
    const nak = { kind: 'rm-nak', view: 0, sender: 1, fromSeq: 4, toSeq: 3, held: undefined } as const;
    assert.deepEqual(validateNak(nak, ctx, undefined), { verdict: 'reject', code: 'MALFORMED' });
    assert.deepEqual(validateNak({ ...nak, toSeq: 4, held: signed }, ctx, undefined), {
      verdict: 'reject',
      code: 'BAD_SIGNATURE',
    });
    assert.deepEqual(validateNak({ ...nak, toSeq: 4 }, ctx, undefined), { verdict: 'accept' });
  });

  it('check a digest once: a retransmission held byte for byte costs no signature check, any other is checked', () => {
    const suite = keyring(4).suiteFor(0);
    let checks = 0;
    const counting: CryptoSuite = {
      mode: suite.mode,
      digest: (d) => suite.digest(d),
      sign: (d) => suite.sign(d),
      verify: (signer, d, s) => (checks++, suite.verify(signer, d, s)),
      mac: (p, d) => suite.mac(p, d),
      verifyMac: (p, d, t) => suite.verifyMac(p, d, t),
    };
    const { env } = recordingEnv(4, 0, counting);
    const ctx = { ...env, stable: () => 0, windowMax: 8, verified: new VerifiedBatches() };
    const m = digestOf(4, 1, 1, bytes(1));
    const held = { digest: m.digest, sig: m.sig };
    assert.deepEqual(validateDigest(1, m, ctx, undefined), { verdict: 'accept' });
    assert.equal(checks, 1);
    assert.deepEqual(validateDigest(1, m, ctx, held), { verdict: 'accept' });
    assert.equal(checks, 1, 'the retransmission was checked again');
    // One signature byte changed: not the digest held, so it is checked (and fails).
    const forged = { ...m, sig: m.sig.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    assert.deepEqual(validateDigest(1, forged, ctx, held), { verdict: 'reject', code: 'BAD_SIGNATURE' });
    assert.equal(checks, 2);
    // Nor does a held digest excuse a sender that is not the one speaking.
    assert.deepEqual(validateDigest(2, m, ctx, held), { verdict: 'reject', code: 'NOT_SENDER' });
    // A NAK showing the digest held costs no check either; one showing a forged one fails.
    const nak = { kind: 'rm-nak', view: 0, sender: 1, fromSeq: 1, toSeq: 1 } as const;
    assert.deepEqual(validateNak({ ...nak, held }, ctx, held), { verdict: 'accept' });
    assert.equal(checks, 2);
    assert.deepEqual(validateNak({ ...nak, held: { digest: m.digest, sig: forged.sig } }, ctx, held), {
      verdict: 'reject',
      code: 'BAD_SIGNATURE',
    });
  });
});
