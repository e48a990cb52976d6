/**
 * Incremental checkpoints and the snapshots that state transfer serves.
 *
 * The checkpoint state is a list of pages: the service's `pageCount` pages, then the reply
 * cache's REPLY_CACHE_PAGES buckets (reply-cache-pages.ts). At each checkpoint only the pages
 * changed since the last one are re-encoded and re-hashed, and only the Merkle paths above them
 * are recomputed (merkle.ts). A snapshot of checkpoint s is the list of page encodings at s:
 * pages are never modified in place, only replaced when they change, so consecutive snapshots
 * share every unchanged page (copy-on-write per page) and a snapshot stays valid, and servable,
 * while execution moves on past s.
 *
 * Snapshots kept: the latest stable checkpoint (the one lagging replicas are told to fetch) and
 * every newer one, plus older ones a peer fetched from within the last `leaseMs` (so a slow
 * transfer is not cut off each time stability advances), never more than `keptMax` in all.
 */
import { assert } from '../core/assert.js';
import type { Logger } from '../core/env.js';
import { err, ok, type Result } from '../core/result.js';
import { MerkleTree, equalDigests, stateDigest, type DigestFn } from './merkle.js';
import { stateLimits } from './messages.js';
import { bucketsOf, decodeCachePages, encodeBuckets, REPLY_CACHE_PAGES } from './reply-cache-pages.js';
import type { ReplyCache } from './reply-cache.js';
import type { Service } from './service.js';
import { bytesEqual } from '../core/bytes.js';

export interface CheckpointOptions {
  /** Snapshots kept at most (at least 2: the stable one and one being built towards). */
  readonly keptMax: number;
  /** A snapshot older than the stable one survives while a peer fetched from it this recently. */
  readonly leaseMs: number;
}

export const defaultCheckpointOptions: CheckpointOptions = { keptMax: 4, leaseMs: 2_000 };

/** The state at one checkpoint, immutable once taken. */
export interface Snapshot {
  readonly seq: number;
  readonly digest: Uint8Array;
  /** Page encodings: the service's pages, then the reply cache's. Shared with other snapshots while unchanged. */
  readonly pages: readonly Uint8Array[];
  /** The digest of each page: the Merkle leaves. */
  readonly leaves: readonly Uint8Array[];
  /** When a peer last fetched from it (for the lease). */
  servedAtMs: number;
}

export class Checkpointer {
  readonly servicePages: number;
  /** The pages as of the last checkpoint, and their digests. */
  private pages: Uint8Array[];
  private leaves: Uint8Array[];
  private tree: MerkleTree;
  /** seq → snapshot. */
  private readonly snapshots = new Map<number, Snapshot>();
  private stableSeq = 0;
  private oversizeLogged = false;

  constructor(
    private readonly service: Service,
    private readonly cache: ReplyCache,
    private readonly digest: DigestFn,
    private readonly log: Logger,
    private readonly opts: CheckpointOptions = defaultCheckpointOptions,
  ) {
    assert(opts.keptMax >= 2, 'checkpoints: keep at least 2 snapshots');
    this.servicePages = service.pageCount;
    const leafCount = this.servicePages + REPLY_CACHE_PAGES;
    assert(this.servicePages >= 1 && leafCount <= stateLimits.leavesMax, `${leafCount} state pages`);
    // The initial state, encoded once in full; from here on only dirty pages are.
    service.takeDirtyPages();
    cache.takeDirtyClients();
    this.pages = [];
    for (let i = 0; i < this.servicePages; i++) this.pages.push(service.encodePage(i));
    const buckets = encodeBuckets(
      cache,
      Array.from({ length: REPLY_CACHE_PAGES }, (_, b) => b),
    );
    for (let b = 0; b < REPLY_CACHE_PAGES; b++) this.pages.push(buckets.get(b) as Uint8Array);
    this.leaves = this.pages.map((p) => digest(p));
    this.tree = new MerkleTree(digest, leafCount, this.leaves);
  }

  get leafCount(): number {
    return this.pages.length;
  }

  /** Take checkpoint `seq` of the current state: returns its state digest. */
  take(seq: number, nowMs: number): Uint8Array {
    for (const i of this.service.takeDirtyPages()) {
      assert(Number.isInteger(i) && i >= 0 && i < this.servicePages, `service reported dirty page ${i}`);
      this.setPage(i, this.service.encodePage(i));
    }
    const buckets = encodeBuckets(this.cache, bucketsOf(this.cache.takeDirtyClients()));
    for (const [b, page] of buckets) this.setPage(this.servicePages + b, page);
    const digest = stateDigest(this.digest, seq, this.servicePages, REPLY_CACHE_PAGES, this.tree.root());
    this.snapshot(seq, digest);
    this.evict(nowMs);
    return digest;
  }

  /** The protocol certified checkpoint `seq`: older snapshots may go (once their lease ends). */
  onStable(seq: number, digest: Uint8Array, nowMs: number): void {
    if (seq <= this.stableSeq) return;
    this.stableSeq = seq;
    const mine = this.snapshots.get(seq);
    if (mine !== undefined && !equalDigests(mine.digest, digest)) {
      // Our state differs from the certified one: never serve it (the protocol will replace it).
      this.log.log('error', 'checkpoint-diverged', { seq });
      this.snapshots.delete(seq);
    }
    this.evict(nowMs);
  }

  get(seq: number): Snapshot | undefined {
    return this.snapshots.get(seq);
  }

  /** The current pages (as of the last checkpoint or install), for state transfer to reuse. */
  currentPage(i: number): { readonly page: Uint8Array; readonly leaf: Uint8Array } | undefined {
    const page = this.pages[i];
    return page === undefined ? undefined : { page, leaf: this.leaves[i] as Uint8Array };
  }

  /**
   * Install checkpoint `seq`, fetched from peers and verified against its certified digest, as
   * the current state: the reply cache is decoded first, so that a page the service or the
   * cache refuses leaves the state as it was.
   */
  install(
    seq: number,
    digest: Uint8Array,
    pages: readonly Uint8Array[],
    leaves: readonly Uint8Array[],
    windowMax: number,
    nowMs: number,
  ): Result<void, string> {
    if (pages.length !== this.leafCount || leaves.length !== this.leafCount)
      return err(`checkpoint of ${pages.length} pages`);
    const windows = decodeCachePages(pages.slice(this.servicePages), windowMax);
    if (!windows.ok) return windows;
    const restored = this.service.restorePages(pages.slice(0, this.servicePages));
    if (!restored.ok) return err(`service refused the checkpoint: ${restored.error}`);
    this.cache.install(windows.value);
    // The service now holds exactly these pages (canonical encodings): nothing is dirty.
    this.service.takeDirtyPages();
    // The pages were verified against these leaves, and the leaves against the digest.
    this.pages = pages.slice();
    this.leaves = leaves.slice();
    this.tree = new MerkleTree(this.digest, this.leafCount, this.leaves);
    this.snapshot(seq, digest);
    this.stableSeq = Math.max(this.stableSeq, seq);
    this.evict(nowMs);
    return ok(undefined);
  }

  /** Snapshots held, and the bytes of the distinct pages they and the current state hold. */
  memory(): { readonly snapshots: number; readonly pageBytes: number; readonly seqs: number[] } {
    const distinct = new Set<Uint8Array>(this.pages);
    for (const s of this.snapshots.values()) for (const p of s.pages) distinct.add(p);
    let pageBytes = 0;
    for (const p of distinct) pageBytes += p.byteLength;
    return { snapshots: this.snapshots.size, pageBytes, seqs: [...this.snapshots.keys()] };
  }

  private setPage(i: number, page: Uint8Array): void {
    const old = this.pages[i] as Uint8Array;
    // An unchanged page keeps its old bytes, so snapshots go on sharing them.
    if (bytesEqual(old, page)) return;
    if (page.byteLength > stateLimits.pageBytesMax && !this.oversizeLogged) {
      this.oversizeLogged = true;
      this.log.log('error', 'checkpoint-page-too-large', { page: i, bytes: page.byteLength });
    }
    const leaf = this.digest(page);
    this.pages[i] = page;
    this.leaves[i] = leaf;
    this.tree.setLeaf(i, leaf);
  }

  /** Drop what is neither the stable checkpoint, nor newer, nor leased; then the oldest beyond keptMax. */
  /** Keep the current pages as the immutable snapshot of `seq` (pages are shared, not copied). */
  private snapshot(seq: number, digest: Uint8Array): void {
    this.snapshots.delete(seq);
    this.snapshots.set(seq, {
      seq,
      digest,
      pages: this.pages.slice(),
      leaves: this.leaves.slice(),
      servedAtMs: -Infinity,
    });
  }

  private evict(nowMs: number): void {
    for (const s of this.snapshots.values()) {
      if (s.seq < this.stableSeq && nowMs - s.servedAtMs > this.opts.leaseMs) this.snapshots.delete(s.seq);
    }
    while (this.snapshots.size > this.opts.keptMax) {
      const victim = this.evictionVictim();
      this.snapshots.delete(victim);
    }
  }

  /** Leased old snapshots go first, then the oldest unstable one; the stable one goes last. */
  private evictionVictim(): number {
    const seqs = [...this.snapshots.keys()].sort((a, b) => a - b);
    const older = seqs.find((s) => s < this.stableSeq);
    if (older !== undefined) return older;
    const newer = seqs.find((s) => s > this.stableSeq);
    return newer ?? (seqs[0] as number);
  }
}
