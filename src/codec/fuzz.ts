/**
 * A deterministic, seeded fuzzer for the codec, run on the sample union (sample-messages.ts).
 *
 * Each iteration builds one input (fuzz-inputs.ts: a valid frame, a mutated one, or random
 * bytes) that `fuzzCase(seed, iteration)` rebuilds alone, and gives it to `decode`:
 *
 * - accepted: re-encoding the value must give back the input byte for byte (canonical form),
 *   otherwise it is a `nonCanonical` finding;
 * - rejected: counted by its typed code, which is the expected outcome for most mutants;
 * - an exception thrown out of `decode` is an `escape`, the finding this fuzzer exists for,
 *   since decode's contract is to return a result for every input (DESIGN.md §3).
 *
 * An unmutated valid frame that is rejected, or decodes to a value that encodes differently,
 * is a `roundTrip` finding.
 */
import { assert } from '../core/assert.js';
import { DECODE_ERROR_CODES, type DecodeErrorCode } from './errors.js';
import type { Codec } from './frame.js';
import { fuzzCase, FUZZ_SOURCES, type FuzzSource } from './fuzz-inputs.js';
import { sampleCodec, type SampleMessage } from './sample-messages.js';

export { findPrefixes, fuzzCase, FUZZ_SOURCES, type FuzzSource } from './fuzz-inputs.js';

export interface FuzzStats {
  /** Inputs decoded so far. */
  readonly iterations: number;
  readonly accepted: number;
  readonly rejected: Readonly<Record<DecodeErrorCode, number>>;
  readonly escapes: number;
  readonly nonCanonical: number;
  readonly roundTripFailures: number;
}

export interface FuzzFinding {
  readonly kind: 'escape' | 'nonCanonical' | 'roundTrip';
  readonly seed: number;
  readonly iteration: number;
  readonly source: FuzzSource;
  /** The input in hex, cut after EXAMPLE_BYTES_MAX bytes; `fuzzCase` rebuilds it whole. */
  readonly inputHex: string;
  readonly inputBytes: number;
  readonly detail: string;
}

export interface FuzzReport extends FuzzStats {
  readonly seed: number;
  /** Inputs per source, and how many of them decoded. */
  readonly bySource: Readonly<Record<FuzzSource, { inputs: number; accepted: number }>>;
  /** The first findings, at most EXAMPLES_MAX. */
  readonly examples: readonly FuzzFinding[];
  readonly wallSeconds: number;
  readonly framesPerSec: number;
}

export interface FuzzOptions {
  readonly iterations: number;
  readonly seed: number;
  readonly onProgress?: (done: number, stats: FuzzStats) => void;
  /** How often onProgress is called, in iterations. */
  readonly progressEvery?: number;
  /** The codec under test: the sample codec, unless a test substitutes a broken one. */
  readonly codec?: Codec<SampleMessage>;
}

export const EXAMPLES_MAX = 10;
const EXAMPLE_BYTES_MAX = 1024;
const PROGRESS_EVERY_DEFAULT = 100_000;

export function fuzzCodec(opts: FuzzOptions): FuzzReport {
  assert(
    Number.isSafeInteger(opts.iterations) && opts.iterations >= 0,
    `bad iteration count ${opts.iterations}`,
  );
  const progressEvery = opts.progressEvery ?? PROGRESS_EVERY_DEFAULT;
  assert(progressEvery > 0, 'progressEvery must be positive');
  const tally = new Tally(opts.seed, opts.codec ?? sampleCodec);
  const start = process.hrtime.bigint();
  for (let i = 0; i < opts.iterations; i++) {
    const { source, input } = fuzzCase(opts.seed, i);
    tally.check(i, source, input);
    if (opts.onProgress !== undefined && (i + 1) % progressEvery === 0) opts.onProgress(i + 1, tally.stats());
  }
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (opts.onProgress !== undefined && opts.iterations % progressEvery !== 0) {
    opts.onProgress(opts.iterations, tally.stats());
  }
  return {
    seed: opts.seed,
    ...tally.stats(),
    bySource: tally.bySource,
    examples: tally.examples,
    wallSeconds,
    framesPerSec: wallSeconds > 0 ? Math.round(opts.iterations / wallSeconds) : 0,
  };
}

/** Decodes inputs and keeps the counts and the first findings. */
class Tally {
  accepted = 0;
  escapes = 0;
  nonCanonical = 0;
  roundTripFailures = 0;
  readonly rejected = Object.fromEntries(DECODE_ERROR_CODES.map((c) => [c, 0])) as Record<
    DecodeErrorCode,
    number
  >;
  readonly bySource = Object.fromEntries(FUZZ_SOURCES.map((s) => [s, { inputs: 0, accepted: 0 }])) as Record<
    FuzzSource,
    { inputs: number; accepted: number }
  >;
  readonly examples: FuzzFinding[] = [];
  private done = 0;

  constructor(
    private readonly seed: number,
    private readonly codec: Codec<SampleMessage>,
  ) {}

  check(iteration: number, source: FuzzSource, input: Uint8Array): void {
    this.done++;
    this.bySource[source].inputs++;
    let result;
    try {
      result = this.codec.decode(input);
    } catch (e) {
      this.escapes++;
      return this.record('escape', iteration, source, input, describe(e));
    }
    if (!result.ok) {
      this.rejected[result.error.code]++;
      if (source === 'valid') {
        this.roundTripFailures++;
        this.record('roundTrip', iteration, source, input, `valid frame rejected: ${result.error.code}`);
      }
      return;
    }
    this.accepted++;
    this.bySource[source].accepted++;
    const mismatch = reencodeMismatch(this.codec, result.value, input);
    if (mismatch === undefined) return;
    if (source === 'valid') this.roundTripFailures++;
    else this.nonCanonical++;
    this.record(source === 'valid' ? 'roundTrip' : 'nonCanonical', iteration, source, input, mismatch);
  }

  stats(): FuzzStats {
    return {
      iterations: this.done,
      accepted: this.accepted,
      rejected: { ...this.rejected },
      escapes: this.escapes,
      nonCanonical: this.nonCanonical,
      roundTripFailures: this.roundTripFailures,
    };
  }

  private record(
    kind: FuzzFinding['kind'],
    iteration: number,
    source: FuzzSource,
    input: Uint8Array,
    detail: string,
  ) {
    if (this.examples.length >= EXAMPLES_MAX) return;
    const shown = input.subarray(0, EXAMPLE_BYTES_MAX);
    const inputHex = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('hex');
    this.examples.push({
      kind,
      seed: this.seed,
      iteration,
      source,
      inputHex,
      inputBytes: input.byteLength,
      detail,
    });
  }
}

/** Why re-encoding `value` does not give back `input`, or undefined if it does. */
function reencodeMismatch(
  codec: Codec<SampleMessage>,
  value: SampleMessage,
  input: Uint8Array,
): string | undefined {
  let again: Uint8Array;
  try {
    again = codec.encode(value);
  } catch (e) {
    return `re-encoding the decoded value threw: ${describe(e)}`;
  }
  if (again.byteLength !== input.byteLength) {
    return `re-encoding gave ${again.byteLength} bytes for a ${input.byteLength}-byte input`;
  }
  for (let i = 0; i < again.byteLength; i++) {
    if (again[i] !== input[i]) return `re-encoding differs first at byte ${i}`;
  }
  return undefined;
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : `non-error thrown: ${String(e)}`;
}
