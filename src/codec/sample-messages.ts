/**
 * A sample message union for exercising the codec: the messages of a mock PBFT-like protocol,
 * built so that every schema combinator appears at least once (u8, u16, u32, u64, bool, bytes,
 * fixedBytes, string, list and nested lists, optional, enumOf, struct, and a union inside a
 * union). The fuzzer, the codec property tests and the codec benchmark all run on it, so a
 * combinator missing here is a combinator nobody fuzzes.
 *
 * Its bounds are deliberately small (a few hundred bytes) rather than those of `limits`: the
 * fuzzer reaches every bound often, and the largest valid message stays well under the frame
 * bound, so FRAME_TOO_LARGE only ever comes from a mutation.
 *
 * `randomSampleMessage` draws a valid message from a seeded generator, for the fuzzer (which
 * must not depend on fast-check, a development dependency). The tests keep their own
 * fast-check arbitraries in test/codec/arbitraries.ts.
 */
import type { SeededRng } from '../core/rng.js';
import { codec, type Codec } from './frame.js';
import {
  bool,
  bytes,
  enumOf,
  fixedBytes,
  list,
  optional,
  string,
  struct,
  u16,
  u32,
  u64,
  u8,
  union,
  type Infer,
} from './schema.js';

export const sampleLimits = {
  opBytesMax: 256,
  resultBytesMax: 128,
  batchRequestsMax: 8,
  replicasMax: 16,
  certificatesMax: 4,
  reasonBytesMax: 64,
  detailBytesMax: 32,
  /** Well above the largest valid message (about 4.5 KiB), so only mutants exceed it. */
  frameBytesMax: 8 * 1024,
} as const;

export const DIGEST_BYTES = 32;
export const SIGNATURE_BYTES = 64;

const digest = fixedBytes(DIGEST_BYTES, 'digest');
const signature = fixedBytes(SIGNATURE_BYTES, 'signature');

const requestFields = {
  client: u32,
  requestId: u64,
  op: bytes(sampleLimits.opBytesMax, 'op'),
  readOnly: bool,
};
const request = struct('request', requestFields);

export const PHASES = ['prepare', 'commit', 'checkpoint'] as const;
export const OUTCOME_CODES = ['unavailable', 'rejected', 'throttled'] as const;

/** A prepared certificate: the votes of a quorum for one digest at one (view, seq). */
const certificate = struct('certificate', {
  view: u64,
  seq: u64,
  digest,
  signers: list(u16, sampleLimits.replicasMax, 'signers'),
  signatures: list(signature, sampleLimits.replicasMax, 'signatures'),
});

/** A union nested in a union field, so a decoded value carries two `kind`s at two depths. */
const outcome = union('outcome', {
  done: [0, { result: bytes(sampleLimits.resultBytesMax, 'result') }],
  failed: [
    1,
    { code: enumOf('outcomeCode', OUTCOME_CODES), detail: string(sampleLimits.detailBytesMax, 'detail') },
  ],
});

/** Tags are wire numbers; 0 is left unused so that a zeroed frame never decodes. */
export const sampleVariants = {
  request: [1, requestFields],
  prePrepare: [
    2,
    { view: u64, seq: u64, digest, batch: list(request, sampleLimits.batchRequestsMax, 'batch') },
  ],
  vote: [3, { phase: enumOf('phase', PHASES), view: u64, seq: u64, digest, replica: u16 }],
  viewChange: [
    4,
    {
      newView: u64,
      replica: u16,
      lastStable: u64,
      certificates: list(optional(certificate), sampleLimits.certificatesMax, 'certificates'),
      reason: string(sampleLimits.reasonBytesMax, 'reason'),
    },
  ],
  newView: [
    5,
    {
      view: u64,
      // One list of signer indexes per view-change included: a list of lists.
      quorums: list(list(u16, sampleLimits.replicasMax, 'quorum'), sampleLimits.replicasMax, 'quorums'),
      primaryHint: optional(u16),
    },
  ],
  reply: [6, { view: u64, requestId: u64, client: u32, replica: u8, outcome }],
  ping: [7, {}],
} as const;

export const sampleSchema = union('sample', sampleVariants);
export type SampleMessage = Infer<typeof sampleSchema>;
export type SampleKind = SampleMessage['kind'];
export type SampleOf<K extends SampleKind> = Extract<SampleMessage, { kind: K }>;
export type SampleOutcome = SampleOf<'reply'>['outcome'];
export type SampleCertificate = NonNullable<SampleOf<'viewChange'>['certificates'][number]>;

export const sampleCodec: Codec<SampleMessage> = codec(sampleSchema, sampleLimits.frameBytesMax);

export const SAMPLE_KINDS = Object.keys(sampleVariants) as SampleKind[];
export const SAMPLE_TAGS: readonly number[] = Object.values(sampleVariants).map(([tag]) => tag);

/** A ~100-byte request frame (81 bytes of op), the benchmark's message. */
export function benchRequest(): SampleOf<'request'> {
  const op = new Uint8Array(81);
  for (let i = 0; i < op.length; i++) op[i] = (i * 37 + 11) & 0xff;
  return { kind: 'request', client: 7, requestId: 123_456_789, op, readOnly: false };
}

// ---------------------------------------------------------------------------------------------
// A small seeded generator of valid messages, for the fuzzer.

/** A length in [0, max], biased towards short values and the bound itself, where bugs live. */
function length(rng: SeededRng, max: number): number {
  const r = rng.nextU32() & 15;
  if (r === 0) return max;
  if (r === 1) return 0;
  if (r < 12) return rng.int(Math.min(max, 8) + 1);
  return rng.int(max + 1);
}

function randomBytes(rng: SeededRng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = rng.nextU32();
    out[i] = x >>> 24;
    out[i + 1] = x >>> 16;
    out[i + 2] = x >>> 8;
    out[i + 3] = x;
  }
  for (; i < n; i++) out[i] = rng.nextU32();
  return out;
}

/** A u64 in the safe range: often small, sometimes at the edges of the encoding. */
function randomU64(rng: SeededRng): number {
  const r = rng.nextU32() & 7;
  if (r === 0) return Number.MAX_SAFE_INTEGER;
  if (r === 1) return 0xffff_ffff + (rng.nextU32() & 1);
  if (r < 6) return rng.int(1000);
  return (rng.nextU32() & 0x1f_ffff) * 0x1_0000_0000 + rng.nextU32();
}

// Strings mix ASCII with 2-, 3- and 4-byte characters, so UTF-8 validation sees every form.
const ALPHABET = ['a', 'z', ' ', '~', 'é', 'ß', 'Ω', '€', '中', '\u{fffd}', '\u{1f600}', '\u{10ffff}'];

function randomString(rng: SeededRng, maxBytes: number): string {
  const target = length(rng, maxBytes);
  let s = '';
  let used = 0;
  while (used < target) {
    const c = ALPHABET[rng.int(ALPHABET.length)] as string;
    const n = c.length === 2 ? 4 : c.charCodeAt(0) < 0x80 ? 1 : c.charCodeAt(0) < 0x800 ? 2 : 3;
    if (used + n > maxBytes) break;
    s += c;
    used += n;
  }
  return s;
}

function randomList<T>(rng: SeededRng, max: number, item: () => T): T[] {
  const n = length(rng, max);
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = item();
  return out;
}

function randomRequestFields(rng: SeededRng): Omit<SampleOf<'request'>, 'kind'> {
  return {
    client: rng.nextU32(),
    requestId: randomU64(rng),
    op: randomBytes(rng, length(rng, sampleLimits.opBytesMax)),
    readOnly: (rng.nextU32() & 1) === 1,
  };
}

function randomCertificate(rng: SeededRng): SampleCertificate {
  const max = sampleLimits.replicasMax;
  return {
    view: randomU64(rng),
    seq: randomU64(rng),
    digest: randomBytes(rng, DIGEST_BYTES),
    signers: randomList(rng, max, () => rng.nextU32() & 0xffff),
    signatures: randomList(rng, max, () => randomBytes(rng, SIGNATURE_BYTES)),
  };
}

function randomOutcome(rng: SeededRng): SampleOutcome {
  if ((rng.nextU32() & 1) === 0) {
    return { kind: 'done', result: randomBytes(rng, length(rng, sampleLimits.resultBytesMax)) };
  }
  const code = OUTCOME_CODES[rng.int(OUTCOME_CODES.length)] as (typeof OUTCOME_CODES)[number];
  return { kind: 'failed', code, detail: randomString(rng, sampleLimits.detailBytesMax) };
}

/** A valid message of a kind chosen uniformly. */
export function randomSampleMessage(rng: SeededRng): SampleMessage {
  const kind = SAMPLE_KINDS[rng.int(SAMPLE_KINDS.length)] as SampleKind;
  return randomSampleOf(rng, kind);
}

export function randomSampleOf(rng: SeededRng, kind: SampleKind): SampleMessage {
  switch (kind) {
    case 'request':
      return { kind, ...randomRequestFields(rng) };
    case 'prePrepare': {
      const batch = randomList(rng, sampleLimits.batchRequestsMax, () => randomRequestFields(rng));
      return {
        kind,
        view: randomU64(rng),
        seq: randomU64(rng),
        digest: randomBytes(rng, DIGEST_BYTES),
        batch,
      };
    }
    case 'vote': {
      const phase = PHASES[rng.int(PHASES.length)] as (typeof PHASES)[number];
      const replica = rng.nextU32() & 0xffff;
      return {
        kind,
        phase,
        view: randomU64(rng),
        seq: randomU64(rng),
        digest: randomBytes(rng, DIGEST_BYTES),
        replica,
      };
    }
    case 'viewChange': {
      const certificates = randomList(rng, sampleLimits.certificatesMax, () =>
        (rng.nextU32() & 3) === 0 ? undefined : randomCertificate(rng),
      );
      const reason = randomString(rng, sampleLimits.reasonBytesMax);
      return {
        kind,
        newView: randomU64(rng),
        replica: rng.nextU32() & 0xffff,
        lastStable: randomU64(rng),
        certificates,
        reason,
      };
    }
    case 'newView': {
      const max = sampleLimits.replicasMax;
      const quorums = randomList(rng, max, () => randomList(rng, max, () => rng.nextU32() & 0xffff));
      const primaryHint = (rng.nextU32() & 1) === 0 ? undefined : rng.nextU32() & 0xffff;
      return { kind, view: randomU64(rng), quorums, primaryHint };
    }
    case 'reply':
      return {
        kind,
        view: randomU64(rng),
        requestId: randomU64(rng),
        client: rng.nextU32(),
        replica: rng.nextU32() & 0xff,
        outcome: randomOutcome(rng),
      };
    case 'ping':
      return { kind };
  }
}
