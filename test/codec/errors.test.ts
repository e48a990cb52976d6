// Proves that each decode error code is returned for the input it names, with a hand-built frame per case,
// including the UTF-8 forms (overlong, surrogate, out of range) that a lax decoder would let through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DECODE_ERROR_CODES, type DecodeErrorCode } from '../../src/codec/errors.js';
import { codec, type Codec } from '../../src/codec/frame.js';
import { sampleCodec, sampleLimits, sampleSchema } from '../../src/codec/sample-messages.js';
import { string, struct, u64 } from '../../src/codec/schema.js';

type Part = number | readonly number[] | Uint8Array;

/** A frame from parts: a number is one byte, arrays are copied as they are. */
function frame(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

const be32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const be64 = (hi: number, lo: number): number[] => [...be32(hi), ...be32(lo)];
const be16 = (v: number): number[] => [v >>> 8, v & 0xff];
const zeros = (n: number): number[] => new Array<number>(n).fill(0);

const V = 1; // the wire version
const TAG = { request: 1, prePrepare: 2, vote: 3, viewChange: 4, newView: 5, reply: 6, ping: 7 } as const;

/** A request frame: client, request id, op, read-only flag. */
function request(op: readonly number[], readOnly = 0, opLength = op.length): Uint8Array {
  return frame(V, TAG.request, be32(9), be64(0, 5), be32(opLength), op, readOnly);
}

/** A view-change frame whose reason is the given raw bytes. */
function viewChange(reason: readonly number[], certificates: Part = be32(0)): Uint8Array {
  return frame(V, TAG.viewChange, be64(0, 2), be16(1), be64(0, 1), certificates, be32(reason.length), reason);
}

function expectCode(
  b: Uint8Array,
  code: DecodeErrorCode,
  where?: string,
  c: Pick<Codec<unknown>, 'decode'> = sampleCodec,
): void {
  const r = c.decode(b);
  assert.ok(!r.ok, `expected ${code}, but the frame decoded`);
  assert.equal(r.error.code, code);
  if (where !== undefined) assert.equal(r.error.where, where);
}

function expectOk(b: Uint8Array): void {
  const r = sampleCodec.decode(b);
  assert.ok(r.ok, `expected the frame to decode, got ${r.ok ? '' : JSON.stringify(r.error)}`);
  assert.deepEqual(sampleCodec.encode(r.value), b);
}

describe('decode error codes', () => {
  it('the hand-built frames are right: their valid forms decode', () => {
    expectOk(request([1, 2, 3]));
    expectOk(request([], 1));
    expectOk(viewChange([0x68, 0x69]));
    expectOk(frame(V, TAG.ping));
  });

  it('TRUNCATED: an empty frame, a frame cut short, and a length past the end', () => {
    expectCode(frame(), 'TRUNCATED', 'version');
    expectCode(frame(V), 'TRUNCATED');
    const whole = request([1, 2, 3]);
    for (let n = 1; n < whole.byteLength; n++) expectCode(whole.subarray(0, n), 'TRUNCATED');
    expectCode(request([1, 2, 3], 0, 200), 'TRUNCATED', 'op');
  });

  it('TRAILING_BYTES: anything after the message', () => {
    expectCode(frame(request([1]), 0), 'TRAILING_BYTES');
    expectCode(frame(V, TAG.ping, 0xff), 'TRAILING_BYTES');
    // A length that is too short leaves the rest of the op behind, which is then trailing.
    expectCode(frame(V, TAG.request, be32(9), be64(0, 5), be32(1), [1, 0, 0], 0), 'TRAILING_BYTES');
  });

  it('UNKNOWN_TAG: a union tag or enum index outside the schema', () => {
    expectCode(frame(V, 0), 'UNKNOWN_TAG', 'sample');
    expectCode(frame(V, 8), 'UNKNOWN_TAG', 'sample');
    expectCode(frame(V, 0xff, zeros(64)), 'UNKNOWN_TAG', 'sample');
    const vote = (phase: number): Uint8Array =>
      frame(V, TAG.vote, phase, be64(0, 1), be64(0, 1), zeros(32), be16(0));
    expectOk(vote(2));
    expectCode(vote(3), 'UNKNOWN_TAG', 'phase');
    // The nested union of a reply has its own tags.
    const reply = (tag: number): Uint8Array =>
      frame(V, TAG.reply, be64(0, 1), be64(0, 2), be32(3), 4, tag, be32(0));
    expectOk(reply(0));
    expectCode(reply(2), 'UNKNOWN_TAG', 'outcome');
  });

  it('BAD_VERSION: any version byte but the current one', () => {
    for (const version of [0, 2, 0x7f, 0xff]) expectCode(frame(version, TAG.ping), 'BAD_VERSION', 'version');
  });

  it('TOO_LONG: a byte string or text longer than its bound, even when the bytes are there', () => {
    const max = sampleLimits.opBytesMax;
    expectOk(request(zeros(max)));
    expectCode(request(zeros(max + 1)), 'TOO_LONG', 'op');
    expectCode(request([], 0, 0xffff_ffff), 'TOO_LONG', 'op');
    expectOk(viewChange(zeros(sampleLimits.reasonBytesMax)));
    expectCode(viewChange(zeros(sampleLimits.reasonBytesMax + 1)), 'TOO_LONG', 'reason');
  });

  it('TOO_MANY: a list longer than its bound', () => {
    const prePrepare = (count: number): Uint8Array =>
      frame(V, TAG.prePrepare, be64(0, 1), be64(0, 1), zeros(32), be32(count));
    expectOk(prePrepare(0));
    expectCode(prePrepare(sampleLimits.batchRequestsMax + 1), 'TOO_MANY', 'batch');
    expectCode(prePrepare(0xffff_ffff), 'TOO_MANY', 'batch');
    // The inner list of a list of lists is bounded too.
    const newView = frame(V, TAG.newView, be64(0, 1), be32(1), be32(sampleLimits.replicasMax + 1));
    expectCode(newView, 'TOO_MANY', 'quorum');
  });

  it('NON_CANONICAL: a bool or an option flag other than 0 or 1', () => {
    expectOk(request([7], 1));
    for (const b of [2, 0x80, 0xff]) expectCode(request([7], b), 'NON_CANONICAL', 'bool');
    const newView = (flag: number, hint: number[] = []): Uint8Array =>
      frame(V, TAG.newView, be64(0, 1), be32(0), flag, hint);
    expectOk(newView(0));
    expectOk(newView(1, be16(3)));
    expectCode(newView(2, be16(3)), 'NON_CANONICAL', 'optional<u16>');
    // An option flag inside a list: a view change carrying one certificate slot flagged 0xff.
    expectCode(viewChange([], frame(be32(1), 0xff)), 'NON_CANONICAL', 'optional<certificate>');
  });

  describe('INVALID_UTF8', () => {
    const cases: Record<string, number[]> = {
      'overlong 2-byte slash': [0xc0, 0xaf],
      'overlong 2-byte NUL': [0xc0, 0x80],
      'overlong 3-byte slash': [0xe0, 0x80, 0xaf],
      'overlong 4-byte slash': [0xf0, 0x80, 0x80, 0xaf],
      'lone high surrogate U+D800': [0xed, 0xa0, 0x80],
      'lone low surrogate U+DFFF': [0xed, 0xbf, 0xbf],
      'surrogate pair in CESU-8 form': [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
      'above U+10FFFF': [0xf4, 0x90, 0x80, 0x80],
      'byte 0xF5 never appears': [0xf5, 0x80, 0x80, 0x80],
      'byte 0xFF never appears': [0xff],
      'stray continuation byte': [0x61, 0x80],
      'sequence cut short': [0xe2, 0x82],
      'sequence cut by ASCII': [0xe2, 0x41, 0x41],
    };
    for (const [name, raw] of Object.entries(cases)) {
      it(name, () => expectCode(viewChange(raw), 'INVALID_UTF8', 'reason'));
    }

    it('valid edge forms are accepted and kept byte for byte, a leading BOM included', () => {
      expectOk(viewChange([0xef, 0xbb, 0xbf, 0x61])); // U+FEFF must not be stripped, or re-encoding would differ
      expectOk(viewChange([0xf4, 0x8f, 0xbf, 0xbf])); // U+10FFFF
      expectOk(viewChange([0xef, 0xbf, 0xbf])); // U+FFFF, a noncharacter but valid UTF-8
      expectOk(viewChange([0xed, 0x9f, 0xbf])); // U+D7FF, just below the surrogates
      expectOk(viewChange([0xee, 0x80, 0x80])); // U+E000, just above them
      expectOk(viewChange([0x00])); // NUL is a valid character
    });
  });

  it('OUT_OF_RANGE: a u64 above 2^53 - 1', () => {
    const schema = codec(struct('n', { n: u64 }));
    const at = (hi: number, lo: number): Uint8Array => frame(V, be64(hi, lo));
    assert.deepEqual(schema.decode(at(0x1f_ffff, 0xffff_ffff)), {
      ok: true,
      value: { n: Number.MAX_SAFE_INTEGER },
    });
    expectCode(at(0x20_0000, 0), 'OUT_OF_RANGE', 'u64', schema);
    expectCode(at(0xffff_ffff, 0xffff_ffff), 'OUT_OF_RANGE', 'u64', schema);
    expectCode(frame(V, TAG.request, be32(9), be64(0x8000_0000, 0), be32(0), 0), 'OUT_OF_RANGE', 'u64');
  });

  it('FRAME_TOO_LARGE: a frame over the bound, checked before anything is read', () => {
    const small = codec(sampleSchema, 16);
    const fits = request([1, 2]);
    assert.equal(fits.byteLength, 21);
    expectCode(fits, 'FRAME_TOO_LARGE', undefined, small);
    assert.ok(codec(sampleSchema, 21).decode(fits).ok, 'a frame exactly at the bound is accepted');
    // Even a frame that is garbage from its first byte is refused for its size alone.
    const r = small.decode(new Uint8Array(17).fill(0xff));
    assert.ok(!r.ok);
    assert.deepEqual([r.error.code, r.error.offset], ['FRAME_TOO_LARGE', 0]);
    expectCode(new Uint8Array(sampleLimits.frameBytesMax + 1), 'FRAME_TOO_LARGE');
  });

  it('every code in the closed set has a test above', () => {
    const tested: DecodeErrorCode[] = [
      'FRAME_TOO_LARGE',
      'BAD_VERSION',
      'TRUNCATED',
      'TRAILING_BYTES',
      'UNKNOWN_TAG',
      'TOO_LONG',
      'TOO_MANY',
      'NON_CANONICAL',
      'INVALID_UTF8',
      'OUT_OF_RANGE',
    ];
    assert.deepEqual([...tested].sort(), [...DECODE_ERROR_CODES].sort());
  });

  it('a string schema with a larger bound still refuses invalid UTF-8', () => {
    const text = codec(struct('t', { s: string(1024) }));
    expectCode(frame(V, be32(3), [0xed, 0xa0, 0x80]), 'INVALID_UTF8', 'string', text);
  });
});
