/**
 * One replica that state transfer fetches from: the pages it was given to send, how far each
 * has come (a page larger than one answer arrives in fragments, in order), and how it behaved.
 * Pure bookkeeping: the checks that make a peer a liar live here, the decisions in
 * state-transfer.ts.
 */
import type { NodeId } from '../core/ids.js';
import type { DigestFn } from './merkle.js';
import { equalDigests } from './merkle.js';
import { stateLimits, type PagePiece, type WantedPiece } from './messages.js';

export type TransferTimer =
  | { readonly kind: 'st.query'; readonly source: number; readonly query: number }
  | { readonly kind: 'st.retry'; readonly round: number };

/** A page on its way: `received` bytes of `total` so far. */
interface Assembly {
  received: number;
  total: number;
  chunks: Uint8Array[];
}

/** What one answer brought: pages completed and verified, bytes received, or the lie it told. */
export interface Progress {
  readonly completed: [index: number, page: Uint8Array][];
  readonly bytes: number;
  readonly lie: 'STATE_PAGE_DIGEST' | 'STATE_PAGE_SIZE' | undefined;
}

export class Source {
  /** The outstanding query's number; 0 when idle. */
  query = 0;
  /** Deadlines missed or answers without progress. */
  strikes = 0;
  /** Sent a bad digest list or a bad page: never asked again for this checkpoint. */
  lied = false;
  /** Said it does not hold the checkpoint: not asked again until the next retry round. */
  missing = false;
  /** The pages this source is to send. */
  readonly assigned = new Map<number, Assembly>();

  constructor(
    readonly id: NodeId,
    public timeoutMs: number,
  ) {}

  get excluded(): boolean {
    return this.lied || this.missing;
  }

  assign(index: number): void {
    this.assigned.set(index, { received: 0, total: -1, chunks: [] });
  }

  /** What to ask for next: every assigned page, from where it stopped. */
  wanted(): WantedPiece[] {
    return [...this.assigned].map(([index, a]) => ({ index, offset: a.received }));
  }

  /** Up to `count` assigned pages not yet started, taken away (for an idle source to fetch instead). */
  steal(count: number): number[] {
    const out: number[] = [];
    for (const [index, a] of this.assigned) {
      if (out.length >= count) break;
      if (a.received > 0) continue;
      this.assigned.delete(index);
      out.push(index);
    }
    return out;
  }

  /** Drop every assignment (its pages go back to the queue); partial pages are discarded. */
  release(): number[] {
    const out = [...this.assigned.keys()];
    this.assigned.clear();
    return out;
  }

  /** Take the pieces of one answer. Pieces of pages not assigned here, or out of order, are ignored. */
  take(pieces: readonly PagePiece[], leaves: readonly Uint8Array[], digest: DigestFn): Progress {
    const completed: [number, Uint8Array][] = [];
    let bytes = 0;
    for (const p of pieces) {
      const a = this.assigned.get(p.index);
      if (a === undefined || p.offset !== a.received) continue;
      if (a.total === -1) {
        if (p.total > stateLimits.pageBytesMax) return { completed, bytes, lie: 'STATE_PAGE_SIZE' };
        a.total = p.total;
      }
      if (p.total !== a.total || p.offset + p.data.byteLength > a.total)
        return { completed, bytes, lie: 'STATE_PAGE_SIZE' };
      a.chunks.push(p.data);
      a.received += p.data.byteLength;
      bytes += p.data.byteLength;
      if (a.received < a.total) continue;
      // A copy: the page outlives the frame it came in, whose buffer the transport may reuse.
      const page = a.chunks.length === 1 ? (a.chunks[0] as Uint8Array).slice() : Buffer.concat(a.chunks);
      if (!equalDigests(digest(page), leaves[p.index] as Uint8Array))
        return { completed, bytes, lie: 'STATE_PAGE_DIGEST' };
      this.assigned.delete(p.index);
      completed.push([p.index, page]);
    }
    return { completed, bytes, lie: undefined };
  }

  /** An answer made progress: the timeout relaxes towards its base. */
  succeeded(baseTimeoutMs: number): void {
    this.timeoutMs = Math.max(baseTimeoutMs, this.timeoutMs / 2);
  }
}
