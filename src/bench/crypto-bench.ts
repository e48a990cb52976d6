/**
 * Crypto throughput on a 100-byte message, measured through the CryptoSuite objects exactly as a
 * protocol calls them (so KeyObject and pairwise-key caching is part of what is measured): the
 * SHA-256 digest, the HMAC authenticator and its check, the Ed25519 signature and its check, and
 * the stand-ins of mode 'none'. Each item first warms up, then runs for about `seconds`, reading
 * the clock once per batch so the clock is not what is measured.
 */
import { assert } from '../core/assert.js';
import type { CryptoSuite } from '../core/crypto-suite.js';
import { generateIdentity } from '../crypto/keys.js';
import { NoneKeyring } from '../crypto/none-suite.js';
import { RealCryptoSuite } from '../crypto/real-suite.js';

export interface CryptoBenchResult {
  readonly name: string;
  readonly opsPerSec: number;
}

const MESSAGE_BYTES = 100;
const WARMUP_SECONDS_MAX = 0.2;
const CLUSTER_NAME = 'bulwark-bench';
const BATCH_NS_TARGET = 1_000_000n;
const BATCH_OPS_MAX = 4096;

export function benchCrypto(opts: { seconds: number }): CryptoBenchResult[] {
  assert(opts.seconds > 0, `bench seconds must be positive, got ${opts.seconds}`);
  const message = new Uint8Array(MESSAGE_BYTES).map((_, i) => (i * 31 + 7) & 0xff);
  const results: CryptoBenchResult[] = [];
  for (const [mode, sender, receiver] of [
    ['real', ...realPair()],
    ['none', ...nonePair()],
  ] as const) {
    const signature = sender.sign(message);
    const tag = sender.mac(receiver.self, message);
    assert(receiver.verify(sender.self, message, signature), `${mode}: the bench signature must verify`);
    assert(receiver.verifyMac(sender.self, message, tag), `${mode}: the bench MAC must verify`);
    const items: [string, () => number][] = [
      ['digest (SHA-256)', () => sender.digest(message).length],
      ['mac', () => sender.mac(receiver.self, message).length],
      ['verifyMac', () => (receiver.verifyMac(sender.self, message, tag) ? 1 : 0)],
      ['sign', () => sender.sign(message).length],
      ['verify', () => (receiver.verify(sender.self, message, signature) ? 1 : 0)],
    ];
    for (const [what, op] of items) {
      timeOps(op, Math.min(WARMUP_SECONDS_MAX, opts.seconds));
      results.push({ name: `${mode} ${what}`, opsPerSec: timeOps(op, opts.seconds) });
    }
  }
  return results;
}

interface BenchSuite extends CryptoSuite {
  readonly self: number;
}

function realPair(): [BenchSuite, BenchSuite] {
  const a = generateIdentity(0);
  const b = generateIdentity(1);
  const everybody = [a.publicIdentity, b.publicIdentity];
  return [
    new RealCryptoSuite(a.privateIdentity, everybody, CLUSTER_NAME),
    new RealCryptoSuite(b.privateIdentity, everybody, CLUSTER_NAME),
  ];
}

function nonePair(): [BenchSuite, BenchSuite] {
  const keyring = NoneKeyring.fromSeed(1, [0, 1]);
  return [keyring.suiteFor(0), keyring.suiteFor(1)];
}

/** Operations per second of `op` over about `seconds` of wall time. */
function timeOps(op: () => number, seconds: number): number {
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  let ops = 0;
  // Slow operations (Ed25519) get small batches so a run stays close to its budget.
  let batch = 16;
  // The sink keeps the results alive, so the optimiser cannot drop the work as dead code.
  let sink = 0;
  while (elapsedNs < budgetNs) {
    const batchStartNs = elapsedNs;
    for (let i = 0; i < batch; i++) sink += op();
    ops += batch;
    elapsedNs = process.hrtime.bigint() - start;
    if (elapsedNs - batchStartNs < BATCH_NS_TARGET && batch < BATCH_OPS_MAX) batch *= 2;
  }
  assert(sink > 0, 'the benchmarked operation must do work');
  return Math.round(ops / (Number(elapsedNs) / 1e9));
}

/** The results as aligned lines, for the CLI and for reports. */
export function formatCryptoBench(results: readonly CryptoBenchResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results
    .map((r) => `${r.name.padEnd(width)}  ${r.opsPerSec.toLocaleString('en-US').padStart(11)} ops/s`)
    .join('\n');
}
