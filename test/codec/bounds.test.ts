// Proves that a frame cannot make the decoder allocate or loop beyond its own size: huge counts and lengths
// in tiny frames are refused at once (timed), and lists of elements that encode to zero bytes stay bounded by
// the frame.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DecodeErrorCode } from '../../src/codec/errors.js';
import { codec, type Codec } from '../../src/codec/frame.js';
import { sampleCodec } from '../../src/codec/sample-messages.js';
import { bytes, list, optional, string, struct, u8, type Schema } from '../../src/codec/schema.js';

const COUNT_MAX = 0xffff_ffff;
const V = 1;

function be32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** A frame of exactly `size` bytes: the version, a u32 count or length, then zeros. */
function claim(count: number, size = 20): Uint8Array {
  const out = new Uint8Array(size);
  out.set([V, ...be32(count)]);
  return out;
}

/**
 * Decodes `frame` `times` times and returns the slowest decode in milliseconds. A decoder that
 * trusted the count would allocate gigabytes or loop billions of times, which no machine does in
 * a few milliseconds.
 */
function slowestDecodeMs<T>(c: Codec<T>, frame: Uint8Array, expected: DecodeErrorCode, times = 200): number {
  let slowestNs = 0n;
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    const r = c.decode(frame);
    const ns = process.hrtime.bigint() - start;
    assert.ok(!r.ok, 'expected a rejection');
    assert.equal(r.error.code, expected);
    if (ns > slowestNs) slowestNs = ns;
  }
  return Number(slowestNs) / 1e6;
}

const empty = struct('empty', {});

describe('allocation bounds', () => {
  it('a 20-byte frame claiming 2^32-1 list elements is refused at once', () => {
    const cases: [string, Codec<unknown>, DecodeErrorCode][] = [
      ['list<u8> bounded only by u32', codec(list(u8, COUNT_MAX) as Schema<unknown>), 'TRUNCATED'],
      ['list<list<u8>>', codec(list(list(u8, COUNT_MAX), COUNT_MAX) as Schema<unknown>), 'TRUNCATED'],
      ['list<bytes>', codec(list(bytes(COUNT_MAX), COUNT_MAX) as Schema<unknown>), 'TRUNCATED'],
      ['list<optional<u8>>', codec(list(optional(u8), COUNT_MAX) as Schema<unknown>), 'TRUNCATED'],
      ['list with a small bound', codec(list(u8, 16) as Schema<unknown>), 'TOO_MANY'],
    ];
    for (const [name, c, code] of cases) {
      const ms = slowestDecodeMs(c, claim(COUNT_MAX), code);
      assert.ok(ms < 50, `${name}: a decode took ${ms} ms`);
    }
  });

  it('a list whose elements encode to zero bytes cannot claim more elements than the frame has bytes', () => {
    // Without the one-byte floor per element, this frame would make the decoder loop 2^32-1 times.
    for (const schema of [list(empty, COUNT_MAX), list(list(empty, COUNT_MAX), COUNT_MAX)]) {
      const c = codec(schema as Schema<unknown>);
      const ms = slowestDecodeMs(c, claim(COUNT_MAX), 'TRUNCATED');
      assert.ok(ms < 50, `${schema.name}: a decode took ${ms} ms`);
      // One more element than bytes left is refused; as many as bytes left is not refused for its count.
      assert.equal(
        (c.decode(claim(16, 5 + 15)) as { ok: false; error: { code: string } }).error.code,
        'TRUNCATED',
      );
    }
    // 15 bytes follow the count: 15 empty elements are allowed by the floor, then the bytes are trailing.
    const r = codec(list(empty, COUNT_MAX)).decode(claim(15, 5 + 15));
    assert.ok(!r.ok && r.error.code === 'TRAILING_BYTES');
  });

  it('byte strings and text claiming 2^32-1 bytes are refused at once', () => {
    const cases: [string, Codec<unknown>, DecodeErrorCode][] = [
      ['bytes bounded only by u32', codec(bytes(COUNT_MAX) as Schema<unknown>), 'TRUNCATED'],
      ['string bounded only by u32', codec(string(COUNT_MAX) as Schema<unknown>), 'TRUNCATED'],
      ['bytes with a small bound', codec(bytes(64) as Schema<unknown>), 'TOO_LONG'],
    ];
    for (const [name, c, code] of cases) {
      const ms = slowestDecodeMs(c, claim(COUNT_MAX), code);
      assert.ok(ms < 50, `${name}: a decode took ${ms} ms`);
    }
  });

  it('sample frames with huge counts in every list position are refused at once', () => {
    // The batch of a pre-prepare, the certificates of a view change, the quorums of a new view.
    const prefix = (tag: number, fixed: number): number[] => [V, tag, ...new Array<number>(fixed).fill(0)];
    for (const head of [prefix(2, 48), prefix(4, 18), prefix(5, 8)]) {
      const frame = Uint8Array.from([...head, ...be32(COUNT_MAX), 0, 0, 0]);
      const ms = slowestDecodeMs(sampleCodec, frame, 'TOO_MANY');
      assert.ok(ms < 50, `a decode took ${ms} ms`);
    }
  });

  it('any accepted frame of a list of empty elements has at most one element per byte of the frame', () => {
    const c = codec(struct('holder', { items: list(empty, COUNT_MAX), tail: bytes(COUNT_MAX) }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.uint8Array({ maxLength: 64 }), (count, rest) => {
        const frame = Uint8Array.from([V, ...be32(count), ...rest]);
        const r = c.decode(frame);
        if (r.ok) assert.ok(r.value.items.length <= frame.byteLength);
        else assert.ok(['TRUNCATED', 'TRAILING_BYTES'].includes(r.error.code), r.error.code);
      }),
      { numRuns: 2000 },
    );
  });
});
