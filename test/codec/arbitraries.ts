// Hand-written fast-check arbitraries for the sample union, biased towards the bounds; shared by the codec
// tests, not a test itself.
import fc from 'fast-check';
import {
  DIGEST_BYTES,
  OUTCOME_CODES,
  PHASES,
  SIGNATURE_BYTES,
  sampleCodec,
  sampleLimits,
  type SampleCertificate,
  type SampleMessage,
  type SampleOf,
  type SampleOutcome,
} from '../../src/codec/sample-messages.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
// The edges of the u64 encoding: the word boundary and the largest safe integer.
const u64 = fc.oneof(
  fc.constantFrom(0, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);

/** Byte strings of at most `max` bytes, with the bound itself drawn often. */
function bytesUpTo(max: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: Math.min(max, 16) }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: max }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: max, maxLength: max }) },
  );
}

function exactBytes(length: number): fc.Arbitrary<Uint8Array> {
  return fc.uint8Array({ minLength: length, maxLength: length });
}

/** Well-formed strings of at most `maxBytes` UTF-8 bytes, over all of Unicode. */
function utf8UpTo(maxBytes: number): fc.Arbitrary<string> {
  const anyCodePoint = fc.string({ unit: 'binary', maxLength: maxBytes }).map((s) => clampUtf8(s, maxBytes));
  const fullAscii = fc.string({ minLength: maxBytes, maxLength: maxBytes });
  return fc.oneof(anyCodePoint, fullAscii);
}

function clampUtf8(s: string, maxBytes: number): string {
  let out = '';
  let used = 0;
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (used + n > maxBytes) break;
    out += c;
    used += n;
  }
  return out;
}

function listUpTo<T>(item: fc.Arbitrary<T>, max: number): fc.Arbitrary<T[]> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(item, { maxLength: Math.min(max, 4) }) },
    { weight: 1, arbitrary: fc.array(item, { minLength: max, maxLength: max }) },
  );
}

/** Records with the ordinary prototype, as decoded values have, so that deep equality holds. */
function record<T>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(shape, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const digest = exactBytes(DIGEST_BYTES);

const requestFields = record({
  client: u32,
  requestId: u64,
  op: bytesUpTo(sampleLimits.opBytesMax),
  readOnly: fc.boolean(),
});

export const certificateArb: fc.Arbitrary<SampleCertificate> = record({
  view: u64,
  seq: u64,
  digest,
  signers: listUpTo(u16, sampleLimits.replicasMax),
  signatures: listUpTo(exactBytes(SIGNATURE_BYTES), sampleLimits.replicasMax),
});

const outcomeArb: fc.Arbitrary<SampleOutcome> = fc.oneof(
  record({ kind: fc.constant('done' as const), result: bytesUpTo(sampleLimits.resultBytesMax) }),
  record({
    kind: fc.constant('failed' as const),
    code: fc.constantFrom(...OUTCOME_CODES),
    detail: utf8UpTo(sampleLimits.detailBytesMax),
  }),
);

export const sampleArbs: { [K in SampleMessage['kind']]: fc.Arbitrary<SampleOf<K>> } = {
  request: requestFields.map((f) => ({ kind: 'request' as const, ...f })),
  prePrepare: record({
    kind: fc.constant('prePrepare' as const),
    view: u64,
    seq: u64,
    digest,
    batch: listUpTo(requestFields, sampleLimits.batchRequestsMax),
  }),
  vote: record({
    kind: fc.constant('vote' as const),
    phase: fc.constantFrom(...PHASES),
    view: u64,
    seq: u64,
    digest,
    replica: u16,
  }),
  viewChange: record({
    kind: fc.constant('viewChange' as const),
    newView: u64,
    replica: u16,
    lastStable: u64,
    certificates: listUpTo(fc.option(certificateArb, { nil: undefined }), sampleLimits.certificatesMax),
    reason: utf8UpTo(sampleLimits.reasonBytesMax),
  }),
  newView: record({
    kind: fc.constant('newView' as const),
    view: u64,
    quorums: listUpTo(listUpTo(u16, sampleLimits.replicasMax), sampleLimits.replicasMax),
    primaryHint: fc.option(u16, { nil: undefined }),
  }),
  reply: record({
    kind: fc.constant('reply' as const),
    view: u64,
    requestId: u64,
    client: u32,
    replica: u8,
    outcome: outcomeArb,
  }),
  ping: fc.constant({ kind: 'ping' as const }),
};

/** Any valid message of the sample union, each kind equally likely. */
export const sampleMessageArb: fc.Arbitrary<SampleMessage> = fc.oneof(
  ...(Object.values(sampleArbs) as fc.Arbitrary<SampleMessage>[]),
);

/** The frame of any valid message. */
export const validFrameArb: fc.Arbitrary<Uint8Array> = sampleMessageArb.map((m) => sampleCodec.encode(m));
