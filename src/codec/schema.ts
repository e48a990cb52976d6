/**
 * Message schemas. A schema gives both the TypeScript type (`Infer<S>`) and the bounded,
 * canonical encoder and decoder, so the two cannot drift apart (STYLE.md, Messages).
 *
 * Canonical form: integers are fixed-width big-endian, lengths and counts are u32 prefixes,
 * booleans and option flags are exactly 0 or 1, union tags and enum indexes must be known, and
 * strings must be valid UTF-8. Since every value has one encoding and the decoder rejects all
 * others, `encode(decode(b))` equals `b` for every accepted `b`: digests and signatures over
 * encodings are well defined.
 *
 * Bounds: every byte string and list carries a maximum, and a list count is checked against the
 * bytes left (count × the element's smallest encoding) before anything is allocated, so a
 * decoder never allocates beyond the frame it was given.
 */
import { assert } from '../core/assert.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface Schema<T> {
  /** For error reports. */
  readonly name: string;
  /** The fewest bytes any value takes. */
  readonly minBytes: number;
  size(value: T): number;
  write(w: Writer, value: T): void;
  read(r: Reader): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function uint(name: string, bytes: 1 | 2 | 4, max: number): Schema<number> {
  const read = bytes === 1 ? 'u8' : bytes === 2 ? 'u16' : 'u32';
  return {
    name,
    minBytes: bytes,
    size: () => bytes,
    write(w, v) {
      assert(Number.isInteger(v) && v >= 0 && v <= max, `${name} out of range: ${v}`);
      w[read](v);
    },
    read: (r) => r[read](name),
  };
}

export const u8 = uint('u8', 1, 0xff);
export const u16 = uint('u16', 2, 0xffff);
export const u32 = uint('u32', 4, 0xffff_ffff);

/** A 64-bit unsigned integer restricted to JavaScript's safe range (2^53 - 1). */
export const u64: Schema<number> = {
  name: 'u64',
  minBytes: 8,
  size: () => 8,
  write(w, v) {
    assert(Number.isSafeInteger(v) && v >= 0, `u64 out of range: ${v}`);
    w.u64(v);
  },
  read: (r) => r.u64('u64'),
};

export const bool: Schema<boolean> = {
  name: 'bool',
  minBytes: 1,
  size: () => 1,
  write: (w, v) => w.u8(v ? 1 : 0),
  read(r) {
    const b = r.u8('bool');
    if (b > 1) r.fail('NON_CANONICAL', 'bool');
    return b === 1;
  },
};

/** A byte string of at most `max` bytes, length-prefixed. */
export function bytes(max: number, name = 'bytes'): Schema<Uint8Array> {
  return {
    name,
    minBytes: 4,
    size: (v) => 4 + v.byteLength,
    write(w, v) {
      assert(v.byteLength <= max, `${name} longer than ${max}: ${v.byteLength}`);
      w.u32(v.byteLength);
      w.put(v);
    },
    read(r) {
      const len = r.u32(name);
      if (len > max) r.fail('TOO_LONG', name);
      return r.take(len, name);
    },
  };
}

/** Exactly `length` bytes, no prefix (digests, signatures, keys). */
export function fixedBytes(length: number, name = `bytes${length}`): Schema<Uint8Array> {
  return {
    name,
    minBytes: length,
    size: () => length,
    write(w, v) {
      assert(v.byteLength === length, `${name} must be ${length} bytes, got ${v.byteLength}`);
      w.put(v);
    },
    read: (r) => r.take(length, name),
  };
}

const encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A UTF-8 string of at most `maxBytes` bytes. */
export function string(maxBytes: number, name = 'string'): Schema<string> {
  return {
    name,
    minBytes: 4,
    size: (v) => 4 + encoder.encode(v).byteLength,
    write(w, v) {
      // A lone surrogate would encode as U+FFFD and decode as something else: refuse it as our bug.
      assert(!LONE_SURROGATE.test(v), `${name}: string with a lone surrogate cannot round-trip`);
      const raw = encoder.encode(v);
      assert(raw.byteLength <= maxBytes, `${name} longer than ${maxBytes} bytes`);
      w.u32(raw.byteLength);
      w.put(raw);
    },
    read(r) {
      const len = r.u32(name);
      if (len > maxBytes) r.fail('TOO_LONG', name);
      return r.utf8(len, name);
    },
  };
}

/** A list of at most `maxCount` elements, count-prefixed. */
export function list<T>(item: Schema<T>, maxCount: number, name = `list<${item.name}>`): Schema<T[]> {
  // An element that encodes to zero bytes would let a short frame claim a huge count.
  const floor = Math.max(1, item.minBytes);
  return {
    name,
    minBytes: 4,
    size(v) {
      let total = 4;
      for (const x of v) total += item.size(x);
      return total;
    },
    write(w, v) {
      assert(v.length <= maxCount, `${name} longer than ${maxCount}: ${v.length}`);
      w.u32(v.length);
      for (const x of v) item.write(w, x);
    },
    read(r) {
      const count = r.u32(name);
      if (count > maxCount) r.fail('TOO_MANY', name);
      if (count * floor > r.remaining) r.fail('TRUNCATED', name);
      const out = new Array<T>(count);
      for (let i = 0; i < count; i++) out[i] = item.read(r);
      return out;
    },
  };
}

/** A value or nothing: a flag byte (0 or 1) then the value. */
export function optional<T>(item: Schema<T>): Schema<T | undefined> {
  const name = `optional<${item.name}>`;
  return {
    name,
    minBytes: 1,
    size: (v) => (v === undefined ? 1 : 1 + item.size(v)),
    write(w, v) {
      if (v === undefined) return w.u8(0);
      w.u8(1);
      item.write(w, v);
    },
    read(r) {
      const flag = r.u8(name);
      if (flag === 0) return undefined;
      if (flag !== 1) r.fail('NON_CANONICAL', name);
      return item.read(r);
    },
  };
}

/** One of a closed set of string literals, as a u8 index. */
export function enumOf<const L extends readonly string[]>(name: string, values: L): Schema<L[number]> {
  assert(values.length > 0 && values.length <= 256, `enum ${name} needs 1..256 values`);
  const index = new Map<string, number>(values.map((v, i) => [v, i]));
  return {
    name,
    minBytes: 1,
    size: () => 1,
    write(w, v) {
      const i = index.get(v);
      assert(i !== undefined, `${name}: unknown value ${v}`);
      w.u8(i);
    },
    read(r) {
      const i = r.u8(name);
      if (i >= values.length) r.fail('UNKNOWN_TAG', name);
      return values[i] as L[number];
    },
  };
}

type Fields = Record<string, Schema<unknown>>;
export type InferFields<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** A record whose fields are encoded in the order they are declared. */
export function struct<const F extends Fields>(name: string, fields: F): Schema<InferFields<F>> {
  const entries = Object.entries(fields);
  let minBytes = 0;
  for (const [, s] of entries) minBytes += s.minBytes;
  return {
    name,
    minBytes,
    size(v) {
      let total = 0;
      for (const [k, s] of entries) total += s.size((v as Record<string, unknown>)[k]);
      return total;
    },
    write(w, v) {
      for (const [k, s] of entries) s.write(w, (v as Record<string, unknown>)[k]);
    },
    read(r) {
      const out: Record<string, unknown> = {};
      for (const [k, s] of entries) out[k] = s.read(r);
      return out as InferFields<F>;
    },
  };
}

type Variants = Record<string, readonly [tag: number, fields: Fields]>;
export type InferUnion<V extends Variants> = {
  [K in keyof V & string]: { kind: K } & InferFields<V[K][1]>;
}[keyof V & string];

/**
 * A discriminated union: a u8 tag, then the variant's fields. The decoded value carries the
 * variant's name as its `kind` literal. Tags are stable wire numbers: never reuse one.
 */
export function union<const V extends Variants>(name: string, variants: V): Schema<InferUnion<V>> {
  const byKind = new Map<string, { tag: number; body: Schema<Record<string, unknown>> }>();
  const byTag = new Map<number, { kind: string; body: Schema<Record<string, unknown>> }>();
  let minBody = Infinity;
  for (const [kind, [tag, fields]] of Object.entries(variants)) {
    assert(Number.isInteger(tag) && tag >= 0 && tag <= 0xff, `${name}.${kind}: tag must be a u8`);
    assert(!byTag.has(tag), `${name}: tag ${tag} used twice`);
    assert(!('kind' in fields), `${name}.${kind}: a field may not be named 'kind' (it names the variant)`);
    const body = struct(`${name}.${kind}`, fields) as Schema<Record<string, unknown>>;
    byKind.set(kind, { tag, body });
    byTag.set(tag, { kind, body });
    minBody = Math.min(minBody, body.minBytes);
  }
  return {
    name,
    minBytes: 1 + (Number.isFinite(minBody) ? minBody : 0),
    size(v) {
      const variant = byKind.get(v.kind);
      assert(variant !== undefined, `${name}: unknown kind ${v.kind}`);
      return 1 + variant.body.size(v as Record<string, unknown>);
    },
    write(w, v) {
      const variant = byKind.get(v.kind);
      assert(variant !== undefined, `${name}: unknown kind ${v.kind}`);
      w.u8(variant.tag);
      variant.body.write(w, v as Record<string, unknown>);
    },
    read(r) {
      const tag = r.u8(name);
      const variant = byTag.get(tag);
      if (variant === undefined) return r.fail('UNKNOWN_TAG', name);
      const value = variant.body.read(r);
      // `kind` first, so decoded objects have the same shape as the ones protocols build.
      return { kind: variant.kind, ...value } as InferUnion<V>;
    },
  };
}

/** The tag numbers of a union's variants, for fuzzers and tests. */
export function unionTags(variants: Variants): number[] {
  return Object.values(variants).map(([tag]) => tag);
}
