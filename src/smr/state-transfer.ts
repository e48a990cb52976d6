/**
 * The fetching side of state transfer (issue 3, item 2): a replica that the ordering protocol
 * found behind a stable checkpoint fetches that checkpoint's state from the replicas that
 * certified it, verifies it against the certified digest, and installs it.
 *
 * 1. Page digests: asked of `digestSources` sources at once (more on timeout); the first list
 *    whose Merkle root, bound to seq, gives the certified digest is kept. A source whose list
 *    does not is suspected and never asked again.
 * 2. Pages: the missing pages (those whose digest matches neither a page fetched for an earlier
 *    target nor one of this replica's own current pages) go in one shared queue; every source
 *    pulls its own share, at most `piecesPerQuery` pages per query and one query at a time, so
 *    different pages come from different replicas in parallel and fast sources do more. Each
 *    page is checked against its digest when complete (a large page arrives in fragments). A
 *    bad page gets its sender suspected and excluded; a timeout or an answer without progress
 *    doubles that source's timeout; in both cases its pages go back to the queue for others.
 * 3. Install: through the `install` callback with all pages and leaves.
 *
 * A newer target (the cluster's stable checkpoint moved on while fetching) restarts the
 * transfer towards it, keeping every page fetched so far whose digest is unchanged.
 */
import type { NodeId } from '../core/ids.js';
import { limits } from '../core/limits.js';
import { equalDigests, stateDigestOf } from './merkle.js';
import { stateLimits, type StateDigests, type StatePages } from './messages.js';
import type { StateEnv } from './state-server.js';
import { Source, type TransferTimer } from './state-source.js';

export interface StateTransferOptions {
  /** The first timeout of a query; it doubles for a source that misses it, up to the max. */
  readonly queryTimeoutMs: number;
  readonly queryTimeoutMsMax: number;
  /** Pages asked for in one query at most (the answer may hold fewer, see state-server.ts). */
  readonly piecesPerQuery: number;
  /** Sources asked for the page digests at once. */
  readonly digestSources: number;
  /** When no source can be asked (all said they lack the checkpoint), wait this long and ask again. */
  readonly retryMs: number;
}

export const defaultStateTransferOptions: StateTransferOptions = {
  queryTimeoutMs: 500,
  queryTimeoutMsMax: 8_000,
  piecesPerQuery: 256,
  digestSources: 2,
  retryMs: 1_000,
};

export interface TransferTarget {
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly sources: readonly NodeId[];
}

export interface TransferHooks {
  /** Pages of the service in the layout (the reply cache's follow). */
  readonly servicePages: number;
  /** The total number of pages of a checkpoint. */
  readonly leafCount: number;
  /** This replica's own page i and its digest, if it has one to reuse. */
  local(i: number): { readonly page: Uint8Array; readonly leaf: Uint8Array } | undefined;
  /** Every page is in and verified. */
  install(target: TransferTarget, pages: Uint8Array[], leaves: Uint8Array[]): void;
}

export class StateTransfer {
  /** Since this replica started: checkpoints installed, pages fetched, and pages reused rather than fetched. */
  readonly stats = { installed: 0, pagesFetched: 0, pagesReused: 0, bytesFetched: 0 };
  private target: TransferTarget | undefined;
  private leaves: Uint8Array[] | undefined;
  private pages: (Uint8Array | undefined)[] = [];
  private missing = 0;
  /** Pages to assign: a queue read from `head` (requeued pages are appended). */
  private queue: number[] = [];
  private head = 0;
  private sources = new Map<NodeId, Source>();
  /** Pages kept from an earlier target, reused where the new leaves match. */
  private reuse: { leaves: Uint8Array[]; pages: (Uint8Array | undefined)[] } | undefined;
  private nextQuery = 1;
  private retryRound = 0;
  private readonly opts: StateTransferOptions;

  constructor(
    private readonly env: StateEnv,
    private readonly hooks: TransferHooks,
    opts: Partial<StateTransferOptions> = {},
  ) {
    this.opts = { ...defaultStateTransferOptions, ...opts };
    this.opts = {
      ...this.opts,
      piecesPerQuery: Math.max(1, Math.min(this.opts.piecesPerQuery, stateLimits.piecesMax)),
    };
  }

  /** The checkpoint being fetched, if any. */
  get goal(): TransferTarget | undefined {
    return this.target;
  }

  /** Fetch `target`; a target at or below the one being fetched only adds sources. */
  start(target: TransferTarget): void {
    const current = this.target;
    if (current !== undefined && target.seq <= current.seq) {
      if (target.seq === current.seq && equalDigests(target.digest, current.digest))
        this.addSources(target.sources);
      return;
    }
    const reuse = this.leaves === undefined ? this.reuse : { leaves: this.leaves, pages: this.pages };
    this.stop();
    this.target = target;
    this.addSources(target.sources);
    this.reuse = reuse;
    this.env.log.log('info', 'state-transfer-start', { seq: target.seq, sources: target.sources.join(',') });
    this.askDigests();
  }

  /** Give up the current target (it was reached by executing batches, or superseded). */
  cancel(): void {
    this.stop();
    this.reuse = undefined;
  }

  onDigests(from: NodeId, m: StateDigests): void {
    const t = this.target;
    const s = this.sources.get(from);
    if (t === undefined || this.leaves !== undefined || s === undefined || s.query === 0) return;
    if (m.seq !== t.seq || !equalDigests(m.digest, t.digest)) return;
    this.idle(s);
    if (m.leaves.length === 0) {
      s.missing = true;
    } else if (
      m.leaves.length !== this.hooks.leafCount ||
      !equalDigests(stateDigestOf(this.env.crypto.digest, t.seq, this.hooks.servicePages, m.leaves), t.digest)
    ) {
      this.lied(s, 'STATE_DIGESTS_MISMATCH');
    } else {
      return this.acceptLeaves(m.leaves);
    }
    this.askDigests();
  }

  onPages(from: NodeId, m: StatePages): void {
    const t = this.target;
    const s = this.sources.get(from);
    if (t === undefined || this.leaves === undefined || s === undefined || s.query === 0) return;
    if (m.seq !== t.seq || !equalDigests(m.digest, t.digest)) return;
    this.idle(s);
    if (m.pieces.length === 0) {
      s.missing = true;
      this.requeue(s);
    } else {
      const progress = s.take(m.pieces, this.leaves, this.env.crypto.digest);
      // Pages completed before a lie in the same answer were verified: they are good.
      for (const [i, page] of progress.completed) this.store(i, page);
      if (progress.lie !== undefined) {
        this.lied(s, progress.lie);
      } else {
        if (progress.bytes === 0 && progress.completed.length === 0) this.slow(s);
        else s.succeeded(this.opts.queryTimeoutMs);
      }
    }
    this.pump();
  }

  onTimer(timer: TransferTimer): void {
    if (this.target === undefined) return;
    if (timer.kind === 'st.retry') {
      if (timer.round !== this.retryRound) return;
      for (const s of this.sources.values()) s.missing = false;
      return this.leaves === undefined ? this.askDigests() : this.pump();
    }
    const s = this.sources.get(timer.source);
    if (s === undefined || s.query !== timer.query) return;
    s.query = 0;
    this.slow(s);
    if (this.leaves === undefined) this.askDigests();
    else this.pump();
  }

  private acceptLeaves(leaves: Uint8Array[]): void {
    this.leaves = leaves;
    this.pages = new Array<Uint8Array | undefined>(leaves.length);
    this.missing = 0;
    for (let i = 0; i < leaves.length; i++) {
      const page = this.reusable(i, leaves[i] as Uint8Array);
      if (page !== undefined) {
        this.pages[i] = page;
        this.stats.pagesReused++;
      } else {
        this.queue.push(i);
        this.missing++;
      }
    }
    this.reuse = undefined;
    // The digest phase is over: answers still due from other sources are ignored.
    for (const s of this.sources.values()) this.idle(s);
    this.env.log.log('info', 'state-transfer-digests', {
      seq: this.target?.seq,
      fetch: this.missing,
      pages: leaves.length,
    });
    this.pump();
  }

  private reusable(i: number, leaf: Uint8Array): Uint8Array | undefined {
    const r = this.reuse;
    const old = r?.pages[i];
    if (old !== undefined && equalDigests(r?.leaves[i] as Uint8Array, leaf)) return old;
    const mine = this.hooks.local(i);
    return mine !== undefined && equalDigests(mine.leaf, leaf) ? mine.page : undefined;
  }

  private store(i: number, page: Uint8Array): void {
    if (this.pages[i] !== undefined) return;
    this.pages[i] = page;
    this.missing--;
    // Another source fetching the same page (at the tail) stops asking for it.
    for (const s of this.sources.values()) s.assigned.delete(i);
    this.stats.pagesFetched++;
    this.stats.bytesFetched += page.byteLength;
  }

  /** Ask idle sources, fewest strikes first, for the page digests, up to digestSources at once. */
  private askDigests(): void {
    const t = this.target;
    if (t === undefined) return;
    let busy = [...this.sources.values()].filter((s) => s.query !== 0).length;
    for (const s of this.usable()) {
      if (busy >= this.opts.digestSources) break;
      this.query(s, []);
      busy++;
    }
    if (busy === 0) this.waitForSources();
  }

  /** Give every idle source its share of the queue; install when no page is missing. */
  private pump(): void {
    if (this.target === undefined || this.leaves === undefined) return;
    if (this.missing === 0) return this.finish();
    for (const s of this.usable()) {
      this.fill(s);
      if (s.assigned.size > 0) this.query(s, s.wanted());
    }
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (![...this.sources.values()].some((s) => s.query !== 0)) this.waitForSources();
  }

  /**
   * Top up a source's share from the queue. With the queue empty (the tail of a transfer), an
   * idle source takes half of what the busiest one has not started, or else fetches pages
   * another source has started too, so that a source dripping a page slowly cannot hold up the
   * end: the first copy that verifies wins (store).
   */
  private fill(s: Source): void {
    const room = () => this.opts.piecesPerQuery - s.assigned.size;
    while (room() > 0 && this.head < this.queue.length) {
      const i = this.queue[this.head++] as number;
      if (this.pages[i] === undefined) s.assign(i);
    }
    if (s.assigned.size > 0) return;
    let busiest: Source | undefined;
    for (const o of this.sources.values())
      if (o !== s && o.assigned.size > (busiest?.assigned.size ?? 0)) busiest = o;
    if (busiest === undefined) return;
    for (const i of busiest.steal(Math.min(room(), Math.floor(busiest.assigned.size / 2)))) s.assign(i);
    if (s.assigned.size > 0) return;
    for (const i of busiest.assigned.keys()) if (room() > 0) s.assign(i);
  }

  /** Idle sources that may be asked, fewest strikes first (a slow source gets work last). */
  private usable(): Source[] {
    return [...this.sources.values()]
      .filter((s) => s.query === 0 && !s.excluded)
      .sort((a, b) => a.strikes - b.strikes || a.id - b.id);
  }

  private query(s: Source, pieces: { index: number; offset: number }[]): void {
    const t = this.target;
    if (t === undefined) return;
    s.query = this.nextQuery++;
    this.env.send(s.id, { kind: 'state-query', seq: t.seq, digest: t.digest, pieces });
    this.env.setTimer(s.timeoutMs, { kind: 'st.query', source: s.id, query: s.query });
  }

  private idle(s: Source): void {
    if (s.query === 0) return;
    this.env.cancelTimer({ kind: 'st.query', source: s.id, query: s.query });
    s.query = 0;
  }

  /** A source that missed its deadline or made no progress: its pages go to others, its timeout doubles. */
  private slow(s: Source): void {
    s.strikes++;
    s.timeoutMs = Math.min(s.timeoutMs * 2, this.opts.queryTimeoutMsMax);
    this.requeue(s);
  }

  private lied(s: Source, code: string): void {
    s.lied = true;
    this.requeue(s);
    this.env.log.log('warn', 'state-transfer-bad-source', { source: s.id, code, seq: this.target?.seq });
    this.env.suspect(s.id, { code, detail: `checkpoint ${this.target?.seq}` });
  }

  private requeue(s: Source): void {
    for (const i of s.release()) if (this.pages[i] === undefined) this.queue.push(i);
  }

  /** No source can be asked now: try again later (sources may catch up; the protocol may name others). */
  private waitForSources(): void {
    this.retryRound++;
    this.env.log.log('warn', 'state-transfer-waiting', { seq: this.target?.seq, round: this.retryRound });
    this.env.setTimer(this.opts.retryMs, { kind: 'st.retry', round: this.retryRound });
  }

  private addSources(ids: readonly NodeId[]): void {
    for (const id of ids) {
      if (id === this.env.self || this.sources.has(id) || this.sources.size >= limits.membersMax) continue;
      this.sources.set(id, new Source(id, this.opts.queryTimeoutMs));
    }
  }

  private finish(): void {
    const t = this.target as TransferTarget;
    const pages = this.pages as Uint8Array[];
    const leaves = this.leaves as Uint8Array[];
    this.stop();
    this.stats.installed++;
    this.env.log.log('info', 'state-transfer-done', { seq: t.seq, pages: pages.length });
    this.hooks.install(t, pages, leaves);
  }

  private stop(): void {
    for (const s of this.sources.values()) this.idle(s);
    this.env.cancelTimer({ kind: 'st.retry', round: this.retryRound });
    this.target = undefined;
    this.leaves = undefined;
    this.pages = [];
    this.missing = 0;
    this.queue = [];
    this.head = 0;
    this.sources = new Map();
  }
}
