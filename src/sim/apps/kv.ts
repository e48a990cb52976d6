/**
 * The key-value store as a simulated application: clients send a mix of reads, writes,
 * increments, compare-and-sets and multi-key operations over a few keys (so operations
 * contend), and at the end of the run the whole client history must be linearizable.
 * Real time comes from the world's clock, not the clients' skewed ones.
 */
import { kvOpCodec, kvResultCodec, type KvOp, type KvResult } from '../../api/kv/ops.js';
import { KvService } from '../../api/kv/service.js';
import type { SeededRng } from '../../core/rng.js';
import type { SimApp } from '../app.js';
import type { Checker } from '../checkers/index.js';
import { checkKvHistory, type HistoryEntry } from '../checkers/linearizability.js';

const KEYS = ['a', 'b', 'c', 'd'].map((k) => new TextEncoder().encode(k));

function pick<T>(rng: SeededRng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)] as T;
}

function value(rng: SeededRng): Uint8Array {
  return Uint8Array.of(rng.int(4));
}

export function randomKvOp(rng: SeededRng): KvOp {
  const key = pick(rng, KEYS);
  const r = rng.int(100);
  if (r < 30) return { kind: 'get', key };
  if (r < 55) return { kind: 'set', key, value: value(rng), condition: 'always', returnOld: false };
  if (r < 70) return { kind: 'incr', key: pick(rng, KEYS.slice(2)), delta: 1n };
  if (r < 80)
    return { kind: 'cas', key, expected: rng.int(3) === 0 ? undefined : value(rng), value: value(rng) };
  if (r < 88) return { kind: 'mget', keys: [key, pick(rng, KEYS)] };
  if (r < 94) return { kind: 'exists', keys: [key] };
  return { kind: 'del', keys: [key] };
}

const readOnlyKinds = new Set(['get', 'mget', 'exists']);

/** Collects the client history as observed, and checks it when the run ends. */
function linearizabilityChecker(): Checker {
  const calls = new Map<string, { client: number; op: KvOp; call: number }>();
  const done = new Map<string, { ret: number; result: KvResult }>();
  return {
    name: 'linearizability',
    observe(obs, ctx) {
      if (obs.kind === 'invoked') {
        const op = kvOpCodec.decode(obs.op);
        if (op.ok)
          calls.set(`${obs.client}:${obs.requestId}`, { client: obs.client, op: op.value, call: ctx.now });
      } else if (obs.kind === 'completed') {
        // Not a key-value op (the administrator's reconfiguration in a switching run): not in the history.
        if (!calls.has(`${obs.client}:${obs.requestId}`)) return undefined;
        const result = kvResultCodec.decode(obs.result);
        if (!result.ok) return `client ${obs.client} accepted an undecodable result for ${obs.requestId}`;
        done.set(`${obs.client}:${obs.requestId}`, { ret: ctx.now, result: result.value });
      }
      return undefined;
    },
    finish() {
      const history: HistoryEntry<KvOp, KvResult>[] = [];
      for (const [key, c] of calls) {
        const d = done.get(key);
        history.push({ ...c, ret: d?.ret, result: d?.result });
      }
      const outcome = checkKvHistory(history, { stepsMax: 2_000_000 });
      return outcome.outcome === 'violation' ? [outcome.description] : [];
    },
  };
}

export const kvApp: SimApp = {
  name: 'kv',
  makeService: () => new KvService(),
  nextOp(rng) {
    const op = randomKvOp(rng);
    return { op: kvOpCodec.encode(op), readOnly: readOnlyKinds.has(op.kind) };
  },
  checkers: () => [linearizabilityChecker()],
};
