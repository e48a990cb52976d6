// Proves that the seeded codec fuzzer is deterministic, reaches every rejection code, finds nothing in the
// real codec, and does catch escapes and non-canonical acceptances when a broken codec is substituted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DECODE_ERROR_CODES } from '../../src/codec/errors.js';
import type { Codec } from '../../src/codec/frame.js';
import { EXAMPLES_MAX, fuzzCase, fuzzCodec, FUZZ_SOURCES, type FuzzStats } from '../../src/codec/fuzz.js';
import { sampleCodec, type SampleMessage } from '../../src/codec/sample-messages.js';

const ITERATIONS = 60_000;

describe('codec fuzzer', () => {
  it('finds nothing in the codec and reaches every rejection code and every input source', () => {
    const report = fuzzCodec({ iterations: ITERATIONS, seed: 1 });
    assert.equal(report.escapes, 0, JSON.stringify(report.examples));
    assert.equal(report.nonCanonical, 0, JSON.stringify(report.examples));
    assert.equal(report.roundTripFailures, 0, JSON.stringify(report.examples));
    assert.deepEqual(report.examples, []);
    const rejected = Object.values(report.rejected).reduce((a, b) => a + b, 0);
    assert.equal(report.accepted + rejected, ITERATIONS);
    for (const code of DECODE_ERROR_CODES) assert.ok(report.rejected[code] > 0, `never saw ${code}`);
    for (const source of FUZZ_SOURCES)
      assert.ok(report.bySource[source].inputs > 0, `never made a ${source} input`);
    assert.equal(report.bySource.valid.accepted, report.bySource.valid.inputs);
    assert.ok(report.framesPerSec > 0 && report.wallSeconds > 0);
  });

  it('the same seed gives the same counts; another seed gives other inputs', () => {
    const counts = (seed: number): unknown => {
      const { wallSeconds: _w, framesPerSec: _f, ...rest } = fuzzCodec({ iterations: 5000, seed });
      return rest;
    };
    assert.deepEqual(counts(77), counts(77));
    assert.notDeepEqual(counts(77), counts(78));
    assert.deepEqual(fuzzCase(5, 1234), fuzzCase(5, 1234));
    assert.notDeepEqual(fuzzCase(5, 1234).input, fuzzCase(5, 1235).input);
    // Seeds beyond 32 bits still matter.
    assert.notDeepEqual(fuzzCase(2 ** 40, 9).input, fuzzCase(0, 9).input);
  });

  it('reports progress, ending at the iteration count', () => {
    const seen: [number, FuzzStats][] = [];
    fuzzCodec({
      iterations: 2500,
      seed: 3,
      progressEvery: 1000,
      onProgress: (done, stats) => seen.push([done, stats]),
    });
    assert.deepEqual(
      seen.map(([done]) => done),
      [1000, 2000, 2500],
    );
    for (const [done, stats] of seen) assert.equal(stats.iterations, done);
  });

  it('records an exception thrown out of decode as an escape, replayable from seed and iteration', () => {
    // A codec that crashes on frames whose last byte is 0x5a, as a decoder with a missing bounds check might.
    const crashing: Codec<SampleMessage> = {
      ...sampleCodec,
      decode(frame) {
        if (frame.byteLength > 2 && frame[frame.byteLength - 1] === 0x5a)
          throw new RangeError('read past the end');
        return sampleCodec.decode(frame);
      },
    };
    const report = fuzzCodec({ iterations: 20_000, seed: 11, codec: crashing });
    assert.ok(report.escapes > EXAMPLES_MAX, `only ${report.escapes} escapes`);
    assert.equal(report.examples.length, EXAMPLES_MAX);
    for (const ex of report.examples) {
      assert.equal(ex.kind, 'escape');
      assert.match(ex.detail, /RangeError: read past the end/);
      const replay = fuzzCase(ex.seed, ex.iteration);
      assert.equal(Buffer.from(replay.input).toString('hex'), ex.inputHex);
      assert.equal(replay.source, ex.source);
    }
  });

  it('records a frame that decodes but does not re-encode to itself as non-canonical', () => {
    // A codec that ignores trailing bytes: it accepts many encodings of the same value.
    const lax: Codec<SampleMessage> = {
      ...sampleCodec,
      decode(frame) {
        const r = sampleCodec.decode(frame);
        if (r.ok || r.error.code !== 'TRAILING_BYTES') return r;
        return sampleCodec.decode(frame.subarray(0, r.error.offset));
      },
    };
    const report = fuzzCodec({ iterations: 20_000, seed: 12, codec: lax });
    assert.equal(report.escapes, 0);
    assert.ok(report.nonCanonical > 0);
    assert.ok(report.examples.some((ex) => ex.kind === 'nonCanonical' && /re-encoding gave/.test(ex.detail)));
  });
});
