// Proves that every valid message of the sample union survives encode then decode unchanged and has exactly
// one encoding, by property tests over fast-check messages and the fuzzer's own generator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeBody, WIRE_VERSION } from '../../src/codec/frame.js';
import {
  benchRequest,
  DIGEST_BYTES,
  randomSampleMessage,
  SAMPLE_KINDS,
  sampleCodec,
  sampleLimits,
  sampleSchema,
  SIGNATURE_BYTES,
  type SampleMessage,
} from '../../src/codec/sample-messages.js';
import { SeededRng } from '../../src/core/rng.js';
import { sampleArbs, sampleMessageArb } from './arbitraries.js';

const RUNS = 3000;

/** The same value with every object's keys in reverse order: encoding must not depend on it. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).reverse()) out[k] = reverseKeys((value as Record<string, unknown>)[k]);
  return out;
}

function decodeOk(frame: Uint8Array): SampleMessage {
  const r = sampleCodec.decode(frame);
  assert.ok(r.ok, `expected the frame to decode, got ${r.ok ? '' : JSON.stringify(r.error)}`);
  return r.value;
}

describe('sample codec round trip', () => {
  it('decode(encode(m)) deep-equals m for every kind', () => {
    for (const [kind, arb] of Object.entries(sampleArbs)) {
      fc.assert(
        fc.property(arb as fc.Arbitrary<SampleMessage>, (m) => {
          assert.deepEqual(decodeOk(sampleCodec.encode(m)), m, kind);
        }),
        { numRuns: RUNS / 4 },
      );
    }
  });

  it('encodes deterministically, whatever the key order of the value', () => {
    fc.assert(
      fc.property(sampleMessageArb, (m) => {
        const frame = sampleCodec.encode(m);
        assert.deepEqual(sampleCodec.encode(m), frame);
        assert.deepEqual(sampleCodec.encode(reverseKeys(m) as SampleMessage), frame);
      }),
      { numRuns: RUNS },
    );
  });

  it('frames are the version byte then the body, sized as the schema says', () => {
    fc.assert(
      fc.property(sampleMessageArb, (m) => {
        const frame = sampleCodec.encode(m);
        assert.equal(frame[0], WIRE_VERSION);
        assert.equal(frame.byteLength, 1 + sampleSchema.size(m));
        assert.deepEqual(frame.subarray(1), encodeBody(sampleSchema, m));
        assert.ok(frame.byteLength >= 1 + sampleSchema.minBytes);
      }),
      { numRuns: RUNS },
    );
  });

  it("the fuzzer's seeded generator only makes valid messages, of every kind", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 5000; seed++) {
      const m = randomSampleMessage(new SeededRng(seed));
      seen.add(m.kind);
      const frame = sampleCodec.encode(m);
      assert.deepEqual(decodeOk(frame), m, `seed ${seed}`);
      assert.deepEqual(sampleCodec.encode(decodeOk(frame)), frame, `seed ${seed}`);
    }
    assert.deepEqual([...seen].sort(), [...SAMPLE_KINDS].sort());
  });

  it('the largest message of each kind round-trips and fits the frame bound with room to spare', () => {
    // A third of the bound to spare, so that FRAME_TOO_LARGE can only ever come from a mutant.
    for (const m of largestMessages()) {
      const frame = sampleCodec.encode(m);
      assert.ok(frame.byteLength <= sampleLimits.frameBytesMax / 1.5, `${m.kind}: ${frame.byteLength} bytes`);
      assert.deepEqual(decodeOk(frame), m);
    }
  });

  it('the benchmark message is a 100-byte request', () => {
    const frame = sampleCodec.encode(benchRequest());
    assert.equal(frame.byteLength, 100);
    assert.deepEqual(decodeOk(frame), benchRequest());
  });
});

/** Every list and byte string at its bound: the messages whose encodings are the longest. */
function largestMessages(): SampleMessage[] {
  const L = sampleLimits;
  const fill = (n: number, byte = 0xab): Uint8Array => new Uint8Array(n).fill(byte);
  const max = Number.MAX_SAFE_INTEGER;
  const request = { client: 0xffff_ffff, requestId: max, op: fill(L.opBytesMax), readOnly: true };
  const certificate = {
    view: max,
    seq: max,
    digest: fill(DIGEST_BYTES),
    signers: new Array<number>(L.replicasMax).fill(0xffff),
    signatures: new Array<Uint8Array>(L.replicasMax).fill(fill(SIGNATURE_BYTES)),
  };
  return [
    { kind: 'request', ...request },
    {
      kind: 'prePrepare',
      view: max,
      seq: max,
      digest: fill(DIGEST_BYTES),
      batch: new Array(L.batchRequestsMax).fill(request),
    },
    {
      kind: 'viewChange',
      newView: max,
      replica: 0xffff,
      lastStable: max,
      certificates: new Array(L.certificatesMax).fill(certificate),
      reason: '\u{10ffff}'.repeat(L.reasonBytesMax / 4),
    },
    {
      kind: 'newView',
      view: max,
      quorums: new Array(L.replicasMax).fill(new Array(L.replicasMax).fill(0xffff)),
      primaryHint: 0xffff,
    },
    {
      kind: 'reply',
      view: max,
      requestId: max,
      client: 1,
      replica: 0xff,
      outcome: { kind: 'done', result: fill(L.resultBytesMax) },
    },
  ];
}
