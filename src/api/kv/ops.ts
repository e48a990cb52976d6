/**
 * The key-value service's operations and results on the wire. One schema gives both the types
 * and the bounded, canonical decoders (STYLE.md, Messages): keys and values are byte strings
 * with bounds from core/limits.ts, counts are bounded, and integers are 64-bit signed, as in
 * Redis. Tags are stable wire numbers: never reuse one.
 */
import { assert } from '../../core/assert.js';
import { limits } from '../../core/limits.js';
import { codec, type Codec } from '../../codec/frame.js';
import {
  bool,
  bytes,
  enumOf,
  list,
  optional,
  string,
  union,
  type Infer,
  type Schema,
} from '../../codec/schema.js';

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

/** A 64-bit signed integer, big-endian two's complement: every 8 bytes are one value, so it is canonical. */
export const i64: Schema<bigint> = {
  name: 'i64',
  minBytes: 8,
  size: () => 8,
  write(w, v) {
    assert(typeof v === 'bigint' && v >= I64_MIN && v <= I64_MAX, `i64 out of range: ${v}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v);
    w.put(b);
  },
  read(r) {
    const b = r.take(8, 'i64');
    return new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0);
  },
};

const key = bytes(limits.kvKeyBytesMax, 'key');
const value = bytes(limits.kvValueBytesMax, 'value');
const keys = list(key, limits.kvKeysPerOpMax, 'keys');

/** SET's condition: always, only if the key is absent (NX), only if it is present (XX). */
export const setConditions = ['always', 'nx', 'xx'] as const;
export type SetCondition = (typeof setConditions)[number];

export const kvOpSchema = union('KvOp', {
  get: [1, { key }],
  /** `returnOld`: answer with the previous value (Redis SET ... GET) instead of OK. */
  set: [2, { key, value, condition: enumOf('SetCondition', setConditions), returnOld: bool }],
  del: [3, { keys }],
  /** INCR, INCRBY, DECR and DECRBY: add `delta`; a missing key counts as 0. */
  incr: [4, { key, delta: i64 }],
  mget: [5, { keys }],
  exists: [6, { keys }],
  /** Compare-and-set: store `value` iff the current value equals `expected` (undefined: the key is absent). */
  cas: [7, { key, expected: optional(value), value }],
});

export const kvResultSchema = union('KvResult', {
  ok: [1, {}],
  nil: [2, {}],
  bulk: [3, { value }],
  int: [4, { value: i64 }],
  /** MGET: one entry per key, undefined for a missing key. */
  array: [5, { values: list(optional(value), limits.kvKeysPerOpMax, 'values') }],
  error: [6, { message: string(limits.textBytesMax, 'message') }],
});

export type KvOp = Infer<typeof kvOpSchema>;
export type KvOpKind = KvOp['kind'];
export type KvResult = Infer<typeof kvResultSchema>;

export const kvOpCodec: Codec<KvOp> = codec(kvOpSchema, limits.opBytesMax);
export const kvResultCodec: Codec<KvResult> = codec(kvResultSchema, limits.resultBytesMax);

const readOnlyKinds: ReadonlySet<KvOpKind> = new Set(['get', 'mget', 'exists']);

/** Ops that never change the state: the read-only path may answer them without ordering. */
export function isReadOnlyOp(op: KvOp): boolean {
  return readOnlyKinds.has(op.kind);
}

/** The keys an op touches, in the order it names them. */
export function opKeys(op: KvOp): readonly Uint8Array[] {
  return 'keys' in op ? op.keys : [op.key];
}

/** Bytes an op takes once framed: the gateway refuses a command whose op would not fit. */
export function opFrameBytes(op: KvOp): number {
  return 1 + kvOpSchema.size(op);
}

/** Bytes a result takes once framed: the service refuses to answer beyond resultBytesMax. */
export function resultFrameBytes(result: KvResult): number {
  return 1 + kvResultSchema.size(result);
}

/** Keys inside the service and the checker are latin1 strings: one char per byte, so string order is byte order. */
export function bytesToKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

export function keyToBytes(k: string): Uint8Array {
  return new Uint8Array(Buffer.from(k, 'latin1'));
}

/** Text as UTF-8 bytes (the helpers' convenience for string keys and values). */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export const kvResult = {
  ok: (): KvResult => ({ kind: 'ok' }),
  nil: (): KvResult => ({ kind: 'nil' }),
  bulk: (value: Uint8Array): KvResult => ({ kind: 'bulk', value }),
  int: (value: bigint): KvResult => ({ kind: 'int', value }),
  array: (values: (Uint8Array | undefined)[]): KvResult => ({ kind: 'array', values }),
  error: (message: string): KvResult => ({ kind: 'error', message }),
};
