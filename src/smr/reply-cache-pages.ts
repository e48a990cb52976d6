/**
 * The reply cache as checkpoint pages. Clients fall into a fixed number of buckets by id; each
 * bucket is one page, encoded canonically (clients by id, then their cached replies by request
 * id), so every correct replica encodes the same cache into the same bytes and a checkpoint
 * re-encodes only the buckets of clients whose windows changed.
 */
import { DecodeFailure } from '../codec/errors.js';
import { encodeBody } from '../codec/frame.js';
import { Reader } from '../codec/reader.js';
import { bytes, list, struct, u32, u64, type Infer } from '../codec/schema.js';
import type { NodeId } from '../core/ids.js';
import { limits } from '../core/limits.js';
import { err, ok, type Result } from '../core/result.js';
import type { ClientWindow, ReplyCache } from './reply-cache.js';

/** Pages of the reply cache in every checkpoint: a constant of the layout, the same on every replica. */
export const REPLY_CACHE_PAGES = 64;

/** Decoding bounds; the real bound on cached replies per client is the replica's windowMax, checked after. */
const CACHED_PER_CLIENT_MAX = 1 << 20;
const CLIENTS_PER_PAGE_MAX = 1 << 24;

const bucketSchema = list(
  struct('CachedClient', {
    client: u32,
    low: u64,
    done: list(
      struct('CachedReply', { requestId: u64, result: bytes(limits.resultBytesMax, 'result') }),
      CACHED_PER_CLIENT_MAX,
      'done',
    ),
  }),
  CLIENTS_PER_PAGE_MAX,
  'clients',
);

type Bucket = Infer<typeof bucketSchema>;

export function bucketOf(client: NodeId): number {
  return client % REPLY_CACHE_PAGES;
}

/** The buckets holding these clients, without duplicates, in ascending order. */
export function bucketsOf(clients: readonly NodeId[]): number[] {
  return [...new Set(clients.map(bucketOf))].sort((a, b) => a - b);
}

/** Encode these buckets of the cache (one pass over its clients). */
export function encodeBuckets(cache: ReplyCache, buckets: readonly number[]): Map<number, Uint8Array> {
  const wanted = new Map<number, [NodeId, ClientWindow][]>(buckets.map((b) => [b, []]));
  for (const [client, w] of cache.windows()) wanted.get(bucketOf(client))?.push([client, w]);
  const out = new Map<number, Uint8Array>();
  for (const [b, entries] of wanted) {
    entries.sort((x, y) => x[0] - y[0]);
    const value: Bucket = entries.map(([client, w]) => ({
      client,
      low: w.low,
      done: [...w.done].sort((x, y) => x[0] - y[0]).map(([requestId, result]) => ({ requestId, result })),
    }));
    out.set(b, encodeBody(bucketSchema, value));
  }
  return out;
}

/**
 * The cache held by these pages (from a checkpoint fetched from peers): decoded strictly, with
 * every client in its own bucket, in order, and every window within `windowMax`.
 */
export function decodeCachePages(
  pages: readonly Uint8Array[],
  windowMax: number,
): Result<Map<NodeId, ClientWindow>, string> {
  if (pages.length !== REPLY_CACHE_PAGES) return err(`the reply cache is ${REPLY_CACHE_PAGES} pages`);
  const windows = new Map<NodeId, ClientWindow>();
  for (let b = 0; b < pages.length; b++) {
    const decoded = decodeBucket(pages[b] as Uint8Array);
    if (!decoded.ok) return err(`reply cache page ${b}: ${decoded.error}`);
    let previous = -1;
    for (const c of decoded.value) {
      if (bucketOf(c.client) !== b || c.client <= previous)
        return err(`page ${b}: client ${c.client} misplaced`);
      previous = c.client;
      const w = toWindow(c, windowMax);
      if (w === undefined) return err(`page ${b}: the window of client ${c.client} is not canonical`);
      windows.set(c.client, w);
    }
  }
  return ok(windows);
}

function decodeBucket(page: Uint8Array): Result<Bucket, string> {
  const r = new Reader(page);
  try {
    const value = bucketSchema.read(r);
    if (r.remaining !== 0) return err('trailing bytes');
    return ok(value);
  } catch (e) {
    if (e instanceof DecodeFailure) return err(`${e.code} at ${e.offset} in ${e.where}`);
    throw e;
  }
}

function toWindow(c: Bucket[number], windowMax: number): ClientWindow | undefined {
  if (c.done.length > windowMax) return undefined;
  const done = new Map<number, Uint8Array>();
  let previous = c.low;
  for (const d of c.done) {
    if (d.requestId <= previous || d.requestId > c.low + windowMax) return undefined;
    previous = d.requestId;
    done.set(d.requestId, d.result);
  }
  return { low: c.low, done };
}
