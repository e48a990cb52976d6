/**
 * What each key-value op does, over an abstract store: one definition shared by the replicated
 * service (over its hash buckets) and the linearizability checker's model (over a small map),
 * so the checker judges histories by exactly the semantics replicas execute. Redis semantics
 * where they apply: INCR of a missing key starts at 0, INCR of a value that is not a canonical
 * 64-bit decimal integer is an error, DEL and EXISTS count (EXISTS counts a repeated key twice).
 */
import { bytesToKey, I64_MAX, I64_MIN, kvResult, type KvOp, type KvResult } from './ops.js';
import { bytesEqual } from '../../core/bytes.js';

/** Redis's own messages, so clients that match on them keep working. */
export const KV_ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const KV_ERR_OVERFLOW = 'ERR increment or decrement would overflow';
/**
 * Errors the service gives when one of its bounds refuses an op (see limits.ts). A model cannot
 * predict them, so the checker treats an op that got one as having had no effect.
 */
export const KV_ERR_CAPACITY_PREFIX = 'ERR capacity:';
export const KV_ERR_BUCKET_FULL = `${KV_ERR_CAPACITY_PREFIX} the bucket of this key is full`;
export const KV_ERR_REPLY_TOO_LARGE = `${KV_ERR_CAPACITY_PREFIX} the reply would exceed the result bound`;

/** Keys are latin1 strings (one char per byte); values are bytes. */
export interface KvStore {
  get(key: string): Uint8Array | undefined;
  /** Store a value; returns an error message if a bound of the store refuses it (the store is then unchanged). */
  put(key: string, value: Uint8Array): string | undefined;
  /** Remove a key; returns whether it was there. */
  delete(key: string): boolean;
}

/** Apply one op to the store and return its result. Never throws on any op the schema accepts. */
export function applyOp(store: KvStore, op: KvOp): KvResult {
  switch (op.kind) {
    case 'get': {
      const v = store.get(bytesToKey(op.key));
      return v === undefined ? kvResult.nil() : kvResult.bulk(v);
    }
    case 'set':
      return applySet(store, op);
    case 'del': {
      let n = 0n;
      for (const k of op.keys) if (store.delete(bytesToKey(k))) n++;
      return kvResult.int(n);
    }
    case 'incr':
      return applyIncr(store, bytesToKey(op.key), op.delta);
    case 'mget':
      return kvResult.array(op.keys.map((k) => store.get(bytesToKey(k))));
    case 'exists': {
      let n = 0n;
      for (const k of op.keys) if (store.get(bytesToKey(k)) !== undefined) n++;
      return kvResult.int(n);
    }
    case 'cas':
      return applyCas(store, op);
  }
}

function applySet(store: KvStore, op: Extract<KvOp, { kind: 'set' }>): KvResult {
  const k = bytesToKey(op.key);
  const old = store.get(k);
  const blocked =
    (op.condition === 'nx' && old !== undefined) || (op.condition === 'xx' && old === undefined);
  if (!blocked) {
    const refused = store.put(k, op.value);
    if (refused !== undefined) return kvResult.error(refused);
  }
  // Redis: with GET the reply is the old value whether or not the condition let the write happen.
  if (op.returnOld) return old === undefined ? kvResult.nil() : kvResult.bulk(old);
  return blocked ? kvResult.nil() : kvResult.ok();
}

function applyIncr(store: KvStore, k: string, delta: bigint): KvResult {
  const current = store.get(k);
  let n = 0n;
  if (current !== undefined) {
    const parsed = parseI64(current);
    if (parsed === undefined) return kvResult.error(KV_ERR_NOT_INTEGER);
    n = parsed;
  }
  const next = n + delta;
  if (next < I64_MIN || next > I64_MAX) return kvResult.error(KV_ERR_OVERFLOW);
  const refused = store.put(k, asciiBytes(next.toString()));
  if (refused !== undefined) return kvResult.error(refused);
  return kvResult.int(next);
}

function applyCas(store: KvStore, op: Extract<KvOp, { kind: 'cas' }>): KvResult {
  const k = bytesToKey(op.key);
  const current = store.get(k);
  const matches =
    op.expected === undefined
      ? current === undefined
      : current !== undefined && bytesEqual(current, op.expected);
  if (!matches) return kvResult.int(0n);
  const refused = store.put(k, op.value);
  if (refused !== undefined) return kvResult.error(refused);
  return kvResult.int(1n);
}

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;

/**
 * A canonical decimal 64-bit signed integer, as Redis's string2ll accepts it: an optional '-',
 * no '+', no leading zeros, no spaces, "0" but not "-0", within the signed 64-bit range.
 */
export function parseI64(b: Uint8Array): bigint | undefined {
  if (b.byteLength === 0 || b.byteLength > 20) return undefined;
  if (b.byteLength === 1 && b[0] === ZERO) return 0n;
  const negative = b[0] === MINUS;
  const start = negative ? 1 : 0;
  if (start >= b.byteLength) return undefined;
  const first = b[start] as number;
  if (first <= ZERO || first > NINE) return undefined;
  for (let i = start + 1; i < b.byteLength; i++) {
    const c = b[i] as number;
    if (c < ZERO || c > NINE) return undefined;
  }
  const v = BigInt(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1'));
  return v < I64_MIN || v > I64_MAX ? undefined : v;
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
