/**
 * The fuzzer's inputs (see fuzz.ts). Each iteration's input comes from its own generator,
 * seeded from (seed, iteration), so that a finding replays alone with `fuzzCase(seed,
 * iteration)`. An input is a valid frame of the sample union, a valid frame mutated (bit flips,
 * byte sets, inserted or deleted ranges, truncation, extension, duplication, length fields set
 * to large or off-by-one values, splices of two frames, a swapped union tag; sometimes several
 * stacked), or random bytes.
 */
import { SeededRng } from '../core/rng.js';
import { DecodeFailure } from './errors.js';
import { WIRE_VERSION } from './frame.js';
import { Reader } from './reader.js';
import {
  randomSampleMessage,
  SAMPLE_TAGS,
  sampleCodec,
  sampleLimits,
  sampleSchema,
} from './sample-messages.js';
import { u32 } from './schema.js';

export const FUZZ_SOURCES = [
  'valid',
  'random',
  'bitFlip',
  'byteSet',
  'insert',
  'delete',
  'truncate',
  'extend',
  'duplicate',
  'lengthField',
  'splice',
  'retag',
  'stacked',
] as const;
export type FuzzSource = (typeof FUZZ_SOURCES)[number];

type Mutation = Exclude<FuzzSource, 'valid' | 'random' | 'stacked'>;

const RANDOM_BYTES_MAX = 96;

/** The input of one iteration, rebuilt from the seed alone: what a finding's replay runs. */
export function fuzzCase(seed: number, iteration: number): { source: FuzzSource; input: Uint8Array } {
  const rng = new SeededRng(caseSeed(seed, iteration));
  const roll = rng.nextU32() & 15;
  if (roll === 0) return { source: 'valid', input: validFrame(rng) };
  if (roll <= 2) return { source: 'random', input: randomInput(rng) };
  let input = validFrame(rng);
  let source: FuzzSource = pickMutation(rng);
  input = mutate(rng, source as Mutation, input);
  // One mutant in four gets more mutations on top, so that combined corruptions are tried too.
  while ((rng.nextU32() & 3) === 0) {
    source = 'stacked';
    input = mutate(rng, pickMutation(rng), input);
  }
  return { source, input };
}

/** One 32-bit seed per (seed, iteration), mixed so that neighbouring iterations are unrelated. */
function caseSeed(seed: number, iteration: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ Math.floor(seed / 0x1_0000_0000), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ iteration, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ Math.floor(iteration / 0x1_0000_0000), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

function validFrame(rng: SeededRng): Uint8Array {
  return sampleCodec.encode(randomSampleMessage(rng));
}

const MUTATIONS: readonly Mutation[] = [
  'bitFlip',
  'byteSet',
  'insert',
  'delete',
  'truncate',
  'extend',
  'duplicate',
  'lengthField',
  'lengthField',
  'splice',
  'retag',
];

function pickMutation(rng: SeededRng): Mutation {
  return MUTATIONS[rng.int(MUTATIONS.length)] as Mutation;
}

/** Random bytes, mostly behind a valid version byte and tag so that they reach the schemas. */
function randomInput(rng: SeededRng): Uint8Array {
  const out = randomBytes(rng, rng.int(RANDOM_BYTES_MAX + 1));
  if (out.byteLength > 0 && (rng.nextU32() & 3) !== 0) out[0] = WIRE_VERSION;
  if (out.byteLength > 1 && (rng.nextU32() & 1) === 0)
    out[1] = SAMPLE_TAGS[rng.int(SAMPLE_TAGS.length)] as number;
  return out;
}

function randomBytes(rng: SeededRng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextU32();
  return out;
}

// Values a corrupted byte or length tends to take in practice, and those at the bounds.
const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff];
const LARGE_LENGTHS = [
  0xffff_ffff,
  0x8000_0000,
  0x7fff_ffff,
  0x0001_0000,
  0x1000_0000,
  sampleLimits.frameBytesMax,
  sampleLimits.opBytesMax + 1,
  sampleLimits.batchRequestsMax + 1,
];

function mutate(rng: SeededRng, mutation: Mutation, input: Uint8Array): Uint8Array {
  const n = input.byteLength;
  switch (mutation) {
    case 'bitFlip':
      return flipBits(rng, input);
    case 'byteSet':
      return setBytes(rng, input);
    case 'insert':
      return splice(input, rng.int(n + 1), 0, randomBytes(rng, 1 + rng.int(16)));
    case 'delete': {
      const at = rng.int(n + 1);
      return splice(input, at, Math.min(n - at, 1 + rng.int(16)), new Uint8Array(0));
    }
    case 'truncate':
      return input.slice(0, rng.int(n + 1));
    case 'extend':
      // Now and then past the frame bound, the only way a mutant can reach FRAME_TOO_LARGE.
      if ((rng.nextU32() & 31) === 0)
        return splice(input, n, 0, new Uint8Array(sampleLimits.frameBytesMax + 1 - n));
      return splice(input, n, 0, randomBytes(rng, 1 + rng.int(8)));
    case 'duplicate': {
      const from = rng.int(n + 1);
      const chunk = input.slice(from, from + 1 + rng.int(Math.max(1, n - from)));
      return splice(input, rng.int(n + 1), 0, chunk);
    }
    case 'lengthField':
      return corruptLength(rng, input);
    case 'splice': {
      const other = validFrame(rng);
      const head = input.subarray(0, rng.int(n + 1));
      return splice(other, 0, rng.int(other.byteLength + 1), head);
    }
    case 'retag': {
      const out = input.slice();
      if (out.byteLength > 1) out[1] = SAMPLE_TAGS[rng.int(SAMPLE_TAGS.length)] as number;
      return out;
    }
  }
}

/** `input` with `deleteCount` bytes at `at` replaced by `insert`, as a new array. */
function splice(input: Uint8Array, at: number, deleteCount: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.byteLength - deleteCount + insert.byteLength);
  out.set(input.subarray(0, at), 0);
  out.set(insert, at);
  out.set(input.subarray(at + deleteCount), at + insert.byteLength);
  return out;
}

function flipBits(rng: SeededRng, input: Uint8Array): Uint8Array {
  const out = input.slice();
  if (out.byteLength === 0) return out;
  const flips = 1 + (rng.nextU32() & 3);
  for (let i = 0; i < flips; i++) {
    const bit = rng.int(out.byteLength * 8);
    out[bit >>> 3] = (out[bit >>> 3] as number) ^ (1 << (bit & 7));
  }
  return out;
}

function setBytes(rng: SeededRng, input: Uint8Array): Uint8Array {
  const out = input.slice();
  if (out.byteLength === 0) return out;
  const sets = 1 + (rng.nextU32() & 1);
  for (let i = 0; i < sets; i++) {
    const value =
      (rng.nextU32() & 1) === 0 ? rng.nextU32() & 0xff : INTERESTING_BYTES[rng.int(INTERESTING_BYTES.length)];
    out[rng.int(out.byteLength)] = value as number;
  }
  return out;
}

/**
 * Sets a length or count prefix to a large or off-by-one value. The prefixes are found by
 * decoding the input with a reader that notes where each one starts; an input too broken to
 * reach any prefix gets a random offset instead.
 */
function corruptLength(rng: SeededRng, input: Uint8Array): Uint8Array {
  const out = input.slice();
  const n = out.byteLength;
  if (n < 5) return out;
  const prefixes = findPrefixes(out);
  const at = prefixes.length > 0 ? (prefixes[rng.int(prefixes.length)] as number) : 1 + rng.int(n - 4);
  const view = new DataView(out.buffer);
  const old = view.getUint32(at);
  const roll = rng.nextU32() & 3;
  let value: number;
  if (roll === 0) value = rng.nextU32();
  else if (roll === 1)
    value = (old + 1 + rng.int(3) - (rng.nextU32() & 1) * 4 + 0x1_0000_0000) % 0x1_0000_0000;
  else value = LARGE_LENGTHS[rng.int(LARGE_LENGTHS.length)] as number;
  view.setUint32(at, value >>> 0);
  return out;
}

/**
 * Length and count prefixes are the u32 reads made by `bytes`, `string` and `list`, which name
 * themselves; a plain `u32` field reads under the name 'u32' and is not a prefix.
 */
class PrefixFinder extends Reader {
  readonly prefixes: number[] = [];

  override u32(where: string): number {
    const value = super.u32(where);
    if (where !== u32.name) this.prefixes.push(this.offset - 4);
    return value;
  }
}

/** Where the length and count prefixes of a (possibly broken) sample frame start. */
export function findPrefixes(frame: Uint8Array): number[] {
  const r = new PrefixFinder(frame);
  r.offset = 1;
  try {
    sampleSchema.read(r);
  } catch (e) {
    // A mutant of a mutant may stop decoding early: the prefixes before that point still count.
    if (!(e instanceof DecodeFailure)) throw e;
  }
  return r.prefixes;
}
