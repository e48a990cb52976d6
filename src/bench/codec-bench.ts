/**
 * Codec throughput on one ~100-byte message of the sample union (a request carrying 81 bytes of
 * op): how many frames a core can encode, and decode, per second. Each phase first warms up so
 * that V8 has optimised the codec, then runs for the given time, reading the clock only every
 * batch of operations so that the clock is not what is measured.
 */
import { benchRequest, sampleCodec } from '../codec/sample-messages.js';
import { assert } from '../core/assert.js';

export interface CodecBenchReport {
  readonly encodeOpsPerSec: number;
  readonly decodeOpsPerSec: number;
  /** The size of the benchmarked frame, header included. */
  readonly messageBytes: number;
}

const BATCH_OPS = 1024;
const WARMUP_SECONDS = 0.2;

export function benchCodec(opts: { seconds: number }): CodecBenchReport {
  assert(opts.seconds > 0, `bench seconds must be positive, got ${opts.seconds}`);
  const message = benchRequest();
  const frame = sampleCodec.encode(message);
  const check = sampleCodec.decode(frame);
  assert(check.ok, 'the benchmark message must decode');

  const encodeOnce = (): number => sampleCodec.encode(message).byteLength;
  const decodeOnce = (): number => (sampleCodec.decode(frame).ok ? 1 : 0);
  const phaseSeconds = opts.seconds / 2;
  timeOps(encodeOnce, Math.min(WARMUP_SECONDS, phaseSeconds));
  const encodeOpsPerSec = timeOps(encodeOnce, phaseSeconds);
  timeOps(decodeOnce, Math.min(WARMUP_SECONDS, phaseSeconds));
  const decodeOpsPerSec = timeOps(decodeOnce, phaseSeconds);
  return { encodeOpsPerSec, decodeOpsPerSec, messageBytes: frame.byteLength };
}

/** Operations per second of `op` over about `seconds` of wall time. */
function timeOps(op: () => number, seconds: number): number {
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  let ops = 0;
  // The sink keeps the results alive, so the optimiser cannot drop the work as dead code.
  let sink = 0;
  while (elapsedNs < budgetNs) {
    for (let i = 0; i < BATCH_OPS; i++) sink += op();
    ops += BATCH_OPS;
    elapsedNs = process.hrtime.bigint() - start;
  }
  assert(sink > 0, 'the benchmarked operation must do work');
  return Math.round(ops / (Number(elapsedNs) / 1e9));
}
