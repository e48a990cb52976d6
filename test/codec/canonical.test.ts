// Proves that decode never throws on any byte string and accepts only canonical encodings (encode(decode(b))
// is b byte for byte), by property tests over random bytes and over valid frames mutated in the ways a faulty
// or hostile peer would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DECODE_ERROR_CODES } from '../../src/codec/errors.js';
import { WIRE_VERSION } from '../../src/codec/frame.js';
import { findPrefixes } from '../../src/codec/fuzz.js';
import { SAMPLE_TAGS, sampleCodec, sampleLimits } from '../../src/codec/sample-messages.js';
import { validFrameArb } from './arbitraries.js';

const RUNS = 3000;

/**
 * The canonicality contract for one input: decode returns (never throws); an accepted input
 * re-encodes to itself; a rejected one carries a code from the closed set.
 */
function checkCanonical(b: Uint8Array): 'accepted' | 'rejected' {
  const r = sampleCodec.decode(b);
  if (r.ok) {
    assert.deepEqual(sampleCodec.encode(r.value), b, 'an accepted frame must be the encoding of its value');
    return 'accepted';
  }
  assert.ok(DECODE_ERROR_CODES.includes(r.error.code), `unknown code ${r.error.code}`);
  assert.ok(
    r.error.offset >= 0 && r.error.offset <= b.byteLength,
    `offset ${r.error.offset} outside the frame`,
  );
  return 'rejected';
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

// A frame and a mutation of it, drawn together: the mutation picks positions relative to the frame's length.
type Mutant = { original: Uint8Array; mutant: Uint8Array };

const LARGE = [
  0xffff_ffff,
  0x8000_0000,
  0x7fff_ffff,
  sampleLimits.frameBytesMax,
  sampleLimits.opBytesMax + 1,
];

const mutations: Record<string, fc.Arbitrary<Mutant>> = {
  bitFlip: fc.tuple(validFrameArb, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([f, at, bit]) => {
    const m = f.slice();
    const i = at % m.byteLength;
    m[i] = (m[i] as number) ^ (1 << bit);
    return { original: f, mutant: m };
  }),
  byteSet: fc.tuple(validFrameArb, fc.nat(), fc.integer({ min: 0, max: 0xff })).map(([f, at, v]) => {
    const m = f.slice();
    m[at % m.byteLength] = v;
    return { original: f, mutant: m };
  }),
  truncate: fc
    .tuple(validFrameArb, fc.nat())
    .map(([f, n]) => ({ original: f, mutant: f.slice(0, n % f.byteLength) })),
  extend: fc
    .tuple(validFrameArb, fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([f, tail]) => ({ original: f, mutant: concat(f, tail) })),
  insert: fc
    .tuple(validFrameArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([f, at, x]) => {
      const i = at % (f.byteLength + 1);
      return { original: f, mutant: concat(f.subarray(0, i), x, f.subarray(i)) };
    }),
  delete: fc.tuple(validFrameArb, fc.nat(), fc.integer({ min: 1, max: 8 })).map(([f, at, n]) => {
    const i = at % f.byteLength;
    return { original: f, mutant: concat(f.subarray(0, i), f.subarray(i + n)) };
  }),
  splice: fc.tuple(validFrameArb, validFrameArb, fc.nat(), fc.nat()).map(([a, b, i, j]) => ({
    original: a,
    mutant: concat(a.subarray(0, i % (a.byteLength + 1)), b.subarray(j % (b.byteLength + 1))),
  })),
  lengthField: fc
    .tuple(
      validFrameArb,
      fc.nat(),
      fc.oneof(fc.constantFrom(...LARGE), fc.integer({ min: 0, max: 0xffff_ffff })),
    )
    .filter(([f]) => findPrefixes(f).length > 0)
    .map(([f, pick, value]) => {
      const prefixes = findPrefixes(f);
      const m = f.slice();
      new DataView(m.buffer).setUint32(prefixes[pick % prefixes.length] as number, value);
      return { original: f, mutant: m };
    }),
  lengthOffByOne: fc
    .tuple(validFrameArb, fc.nat(), fc.constantFrom(-2, -1, 1, 2))
    .filter(([f]) => findPrefixes(f).length > 0)
    .map(([f, pick, delta]) => {
      const prefixes = findPrefixes(f);
      const m = f.slice();
      const view = new DataView(m.buffer);
      const at = prefixes[pick % prefixes.length] as number;
      view.setUint32(at, (view.getUint32(at) + delta) >>> 0);
      return { original: f, mutant: m };
    }),
};

describe('canonical decoding', () => {
  it('random bytes: decode returns, and accepts only canonical frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void checkCanonical(b)),
      { numRuns: RUNS },
    );
  });

  it('random bytes behind a valid version and tag: decode returns, and accepts only canonical frames', () => {
    const body = fc.tuple(fc.constantFrom(...SAMPLE_TAGS), fc.uint8Array({ maxLength: 200 }));
    fc.assert(
      fc.property(body, ([tag, rest]) => void checkCanonical(concat(Uint8Array.of(WIRE_VERSION, tag), rest))),
      { numRuns: RUNS },
    );
  });

  for (const [name, arb] of Object.entries(mutations)) {
    it(`${name} mutants: decode returns, accepts only canonical frames, and rejects with a known code`, () => {
      fc.assert(
        fc.property(arb, ({ original, mutant }) => {
          const verdict = checkCanonical(mutant);
          // A mutant equal to its original must still be accepted: only a real change may be rejected.
          if (verdict === 'rejected') assert.notDeepEqual(mutant, original);
        }),
        { numRuns: RUNS / 3 },
      );
    });
  }

  it('length-field mutants are mostly rejected, so the mutation reaches the prefixes', () => {
    let rejected = 0;
    fc.assert(
      fc.property(mutations.lengthField as fc.Arbitrary<Mutant>, ({ mutant }) => {
        if (checkCanonical(mutant) === 'rejected') rejected++;
      }),
      { numRuns: 500, seed: 42 },
    );
    assert.ok(rejected > 400, `only ${rejected} of 500 rejected`);
  });
});
