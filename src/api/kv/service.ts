/**
 * The replicated key-value service: a deterministic `Service` (smr/service.ts) over hash buckets.
 * Its state is `limits.kvPageCount` pages, one per bucket of keys (FNV-1a of the key's bytes,
 * the same on every process), so a checkpoint re-encodes only the buckets written since the last
 * one and state transfer moves and verifies the state bucket by bucket. A bucket's encoding is
 * canonical (keys sorted bytewise) and bounded by `limits.kvPageBytesMax`: a write that would
 * grow a bucket past it gets an error result, the same on every replica.
 */
import { limits } from '../../core/limits.js';
import { err, ok, type Result } from '../../core/result.js';
import { bytes, list, struct, type Infer } from '../../codec/schema.js';
import { codec } from '../../codec/frame.js';
import type { ExecutionContext, Service } from '../../smr/service.js';
import {
  bytesToKey,
  isReadOnlyOp,
  kvOpCodec,
  kvResult,
  kvResultCodec,
  resultFrameBytes,
  type KvResult,
} from './ops.js';
import { applyOp, KV_ERR_BUCKET_FULL, KV_ERR_REPLY_TOO_LARGE, type KvStore } from './semantics.js';

/** An entry's bytes in a page: its key and value, each with a u32 length prefix. */
const ENTRY_OVERHEAD_BYTES = 8;
/** A page's bytes with no entry: the frame's version byte and the entry count. */
const EMPTY_PAGE_BYTES = 5;

const pageSchema = struct('KvPage', {
  entries: list(
    struct('KvEntry', {
      key: bytes(limits.kvKeyBytesMax, 'key'),
      value: bytes(limits.kvValueBytesMax, 'value'),
    }),
    Math.floor(limits.kvPageBytesMax / ENTRY_OVERHEAD_BYTES),
    'entries',
  ),
});
type Page = Infer<typeof pageSchema>;
const pageCodec = codec(pageSchema, limits.kvPageBytesMax);

/** The bucket of a key: FNV-1a (32 bits) of its bytes, modulo the page count. */
export function bucketOf(key: string, pageCount: number = limits.kvPageCount): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % pageCount;
}

function entryBytes(key: string, value: Uint8Array): number {
  return ENTRY_OVERHEAD_BYTES + key.length + value.byteLength;
}

export class KvService implements Service {
  readonly pageCount = limits.kvPageCount;
  private buckets: Map<string, Uint8Array>[] = [];
  /** Each bucket's encoded page size, kept as writes happen so the bound costs nothing to check. */
  private pageBytes: number[] = [];
  private readonly dirty = new Set<number>();
  private readonly store: KvStore = {
    get: (k) => this.buckets[bucketOf(k)]?.get(k),
    put: (k, v) => this.put(k, v),
    delete: (k) => this.delete(k),
  };

  constructor() {
    this.reset();
  }

  execute(op: Uint8Array, _ctx?: ExecutionContext): Uint8Array {
    const decoded = kvOpCodec.decode(op);
    if (!decoded.ok) return encodeResult(malformed(decoded.error.code, decoded.error.offset));
    return encodeResult(applyOp(this.store, decoded.value));
  }

  query(op: Uint8Array): Uint8Array {
    const decoded = kvOpCodec.decode(op);
    if (!decoded.ok) return encodeResult(malformed(decoded.error.code, decoded.error.offset));
    if (!isReadOnlyOp(decoded.value))
      return encodeResult(
        kvResult.error(`ERR ${decoded.value.kind} writes and cannot be answered read-only`),
      );
    return encodeResult(applyOp(this.store, decoded.value));
  }

  /** Keys held (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const b of this.buckets) n += b.size;
    return n;
  }

  takeDirtyPages(): number[] {
    const pages = [...this.dirty].sort((a, b) => a - b);
    this.dirty.clear();
    return pages;
  }

  encodePage(index: number): Uint8Array {
    const bucket = this.buckets[index];
    if (bucket === undefined) throw new RangeError(`page ${index} of ${this.pageCount}`);
    const names = [...bucket.keys()].sort();
    const page: Page = {
      entries: names.map((k) => ({
        key: new Uint8Array(Buffer.from(k, 'latin1')),
        value: bucket.get(k) as Uint8Array,
      })),
    };
    return pageCodec.encode(page);
  }

  restorePages(pages: readonly Uint8Array[]): Result<void, string> {
    if (pages.length !== this.pageCount)
      return err(`key-value state is ${this.pageCount} pages, got ${pages.length}`);
    const buckets: Map<string, Uint8Array>[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < pages.length; i++) {
      const bucket = decodePage(pages[i] as Uint8Array, i, this.pageCount);
      if (!bucket.ok) return bucket;
      buckets.push(bucket.value);
      sizes.push((pages[i] as Uint8Array).byteLength);
    }
    // Only a wholly valid state replaces the current one.
    this.buckets = buckets;
    this.pageBytes = sizes;
    for (let i = 0; i < this.pageCount; i++) this.dirty.add(i);
    return ok(undefined);
  }

  private reset(): void {
    this.buckets = Array.from({ length: this.pageCount }, () => new Map());
    this.pageBytes = new Array<number>(this.pageCount).fill(EMPTY_PAGE_BYTES);
    // Every page is new to a checkpointer that has not seen this service yet.
    for (let i = 0; i < this.pageCount; i++) this.dirty.add(i);
  }

  private put(k: string, value: Uint8Array): string | undefined {
    const index = bucketOf(k, this.pageCount);
    const bucket = this.buckets[index] as Map<string, Uint8Array>;
    const old = bucket.get(k);
    const size =
      (this.pageBytes[index] as number) - (old === undefined ? 0 : entryBytes(k, old)) + entryBytes(k, value);
    if (size > limits.kvPageBytesMax) return KV_ERR_BUCKET_FULL;
    // A copy: the op's bytes are a view into a request frame that must not be kept alive.
    bucket.set(k, value.slice());
    this.pageBytes[index] = size;
    this.dirty.add(index);
    return undefined;
  }

  private delete(k: string): boolean {
    const index = bucketOf(k, this.pageCount);
    const bucket = this.buckets[index] as Map<string, Uint8Array>;
    const old = bucket.get(k);
    if (old === undefined) return false;
    bucket.delete(k);
    this.pageBytes[index] = (this.pageBytes[index] as number) - entryBytes(k, old);
    this.dirty.add(index);
    return true;
  }
}

function malformed(code: string, offset: number): KvResult {
  return kvResult.error(`ERR malformed operation (${code} at byte ${offset})`);
}

function encodeResult(result: KvResult): Uint8Array {
  if (resultFrameBytes(result) > limits.resultBytesMax)
    return kvResultCodec.encode(kvResult.error(KV_ERR_REPLY_TOO_LARGE));
  return kvResultCodec.encode(result);
}

/** A page from a peer: canonical (keys strictly ascending bytewise), every key in this bucket, within bounds. */
function decodePage(
  page: Uint8Array,
  index: number,
  pageCount: number,
): Result<Map<string, Uint8Array>, string> {
  const decoded = pageCodec.decode(page);
  if (!decoded.ok) return err(`page ${index}: ${decoded.error.code} at byte ${decoded.error.offset}`);
  const bucket = new Map<string, Uint8Array>();
  let previous: string | undefined;
  for (const entry of decoded.value.entries) {
    const k = bytesToKey(entry.key);
    if (previous !== undefined && k <= previous)
      return err(`page ${index}: keys not in strictly ascending order`);
    if (bucketOf(k, pageCount) !== index)
      return err(`page ${index}: holds a key of bucket ${bucketOf(k, pageCount)}`);
    bucket.set(k, entry.value.slice());
    previous = k;
  }
  return ok(bucket);
}
