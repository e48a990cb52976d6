// Helpers for the key-value tests: ops and results from strings, an in-process KvClient over a
// KvService (no cluster), and a generator of random linearizable histories.
import type { SeededRng } from '../../src/core/rng.js';
import { KvClient } from '../../src/api/kv/client.js';
import { utf8, type KvOp, type KvResult } from '../../src/api/kv/ops.js';
import { applyOp, type KvStore } from '../../src/api/kv/semantics.js';
import { KvService } from '../../src/api/kv/service.js';
import type { HistoryEntry } from '../../src/sim/checkers/linearizability.js';

export const b = (s: string): Uint8Array => utf8(s);

export const op = {
  get: (key: string): KvOp => ({ kind: 'get', key: b(key) }),
  set: (key: string, value: string): KvOp => ({
    kind: 'set',
    key: b(key),
    value: b(value),
    condition: 'always',
    returnOld: false,
  }),
  del: (...keys: string[]): KvOp => ({ kind: 'del', keys: keys.map(b) }),
  incr: (key: string, delta = 1n): KvOp => ({ kind: 'incr', key: b(key), delta }),
  mget: (...keys: string[]): KvOp => ({ kind: 'mget', keys: keys.map(b) }),
  exists: (...keys: string[]): KvOp => ({ kind: 'exists', keys: keys.map(b) }),
  cas: (key: string, expected: string | undefined, value: string): KvOp => ({
    kind: 'cas',
    key: b(key),
    expected: expected === undefined ? undefined : b(expected),
    value: b(value),
  }),
};

export const res = {
  ok: (): KvResult => ({ kind: 'ok' }),
  nil: (): KvResult => ({ kind: 'nil' }),
  bulk: (v: string): KvResult => ({ kind: 'bulk', value: b(v) }),
  int: (n: number | bigint): KvResult => ({ kind: 'int', value: BigInt(n) }),
  array: (...vs: (string | undefined)[]): KvResult => ({
    kind: 'array',
    values: vs.map((v) => (v === undefined ? undefined : b(v))),
  }),
  error: (message: string): KvResult => ({ kind: 'error', message }),
};

export type KvEntry = HistoryEntry<KvOp, KvResult>;

/** One history entry; `ret` undefined with a result undefined is an op that never completed. */
export function h(
  client: number,
  o: KvOp,
  call: number,
  ret: number | undefined,
  result: KvResult | undefined,
): KvEntry {
  return { client, op: o, call, ret, result };
}

/** A KvClient whose "cluster" is one KvService in this process (reads go through query, as the read-only path would). */
export function localKvClient(service = new KvService()): { client: KvClient; service: KvService } {
  let requestId = 0;
  const client = new KvClient({
    invoke: async (bytes, readOnly) =>
      readOnly
        ? service.query(bytes)
        : service.execute(bytes, { client: 1000, requestId: ++requestId, seq: requestId }),
  });
  return { client, service };
}

/** A map-backed store with the service's semantics and no bounds. */
export function mapStore(): KvStore & { map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>();
  return {
    map,
    get: (k) => map.get(k),
    put: (k, v) => {
      map.set(k, v);
      return undefined;
    },
    delete: (k) => map.delete(k),
  };
}

/**
 * A random history that is linearizable by construction: each client runs ops one after another
 * with random durations, each op takes effect at a random instant inside its interval, and the
 * results come from applying the ops in the order of those instants.
 */
export function randomLinearizableHistory(
  rng: SeededRng,
  opsTotal: number,
  keys: number,
  clients: number,
  randomOp: (rng: SeededRng, key: () => string) => KvOp,
): KvEntry[] {
  const pickKey = () => `k${rng.int(keys)}`;
  const planned: { client: number; op: KvOp; call: number; ret: number; at: number }[] = [];
  const clock = new Array<number>(clients).fill(0);
  for (let i = 0; i < opsTotal; i++) {
    const c = i % clients;
    const call = (clock[c] as number) + rng.int(5);
    const ret = call + 1 + rng.int(40);
    clock[c] = ret;
    planned.push({
      client: 1000 + c,
      op: randomOp(rng, pickKey),
      call,
      ret,
      at: call + rng.float() * (ret - call),
    });
  }
  const store = mapStore();
  const results = new Map<object, KvResult>();
  for (const p of [...planned].sort((x, y) => x.at - y.at)) results.set(p, applyOp(store, p.op));
  return planned.map((p) => h(p.client, p.op, p.call, p.ret, results.get(p)));
}

/** Single-key ops of every kind, over a few values so that reads and CAS often match. */
export function singleKeyOp(rng: SeededRng, key: () => string): KvOp {
  const v = `v${rng.int(4)}`;
  switch (rng.int(7)) {
    case 0:
      return op.set(key(), v);
    case 1:
      return op.incr(key());
    case 2:
      return op.cas(key(), rng.int(3) === 0 ? undefined : `v${rng.int(4)}`, v);
    case 3:
      return op.del(key());
    case 4:
      return op.exists(key());
    default:
      return op.get(key());
  }
}
