/**
 * The demo's workload: every client keeps requests in flight against the key-value store,
 * over many keys, and every operation is recorded (call, return, result) so that the whole
 * history can be checked for linearizability at the end, and every latency measured.
 */
import type { KvClient } from '../api/kv/client.js';
import type { KvOp, KvResult } from '../api/kv/ops.js';
import { Samples } from '../bench/stats.js';
import { SeededRng } from '../core/rng.js';
import type { HistoryEntry } from '../sim/checkers/linearizability.js';

const KEYS = 256;
const encoder = new TextEncoder();

/** Single-key operations only, so the history splits by key and checks fast. */
function nextOp(rng: SeededRng): KvOp {
  const key = encoder.encode(`key:${rng.int(KEYS)}`);
  const r = rng.int(100);
  if (r < 40) return { kind: 'get', key };
  if (r < 70)
    return {
      kind: 'set',
      key,
      value: encoder.encode(String(rng.int(1000))),
      condition: 'always',
      returnOld: false,
    };
  if (r < 90) return { kind: 'incr', key: encoder.encode(`counter:${rng.int(16)}`), delta: 1n };
  return {
    kind: 'cas',
    key,
    expected: encoder.encode(String(rng.int(1000))),
    value: encoder.encode(String(rng.int(1000))),
  };
}

export class DemoWorkload {
  readonly latencies = new Samples();
  readonly history: HistoryEntry<KvOp, KvResult>[] = [];
  completed = 0;
  errors = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly epoch = performance.now();

  constructor(
    private readonly kv: readonly KvClient[],
    private readonly inFlightPerClient: number,
  ) {}

  start(): void {
    this.running = true;
    this.loops = this.kv.flatMap((client, c) =>
      Array.from({ length: this.inFlightPerClient }, (_, i) =>
        this.loop(client, c, new SeededRng(c * 1000 + i + 1)),
      ),
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(client: KvClient, c: number, rng: SeededRng): Promise<void> {
    while (this.running) {
      const op = nextOp(rng);
      const call = performance.now() - this.epoch;
      try {
        const result = await client.run(op);
        const ret = performance.now() - this.epoch;
        this.latencies.add(ret - call);
        this.history.push({ client: c, op, call, ret, result });
        this.completed++;
      } catch {
        // The outcome is unknown: it may or may not have taken effect.
        this.history.push({ client: c, op, call, ret: undefined, result: undefined });
        this.errors++;
      }
    }
  }
}
