/**
 * A replicated service: deterministic execution of operations. Same state, same operation,
 * same result on every correct replica. The SMR layer calls it in the agreed order only.
 */
import type { NodeId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';

export interface ExecutionContext {
  readonly client: NodeId;
  readonly requestId: number;
  readonly seq: number;
}

/**
 * The state is exposed as a fixed number of pages (for a key-value store: buckets of keys by
 * hash), so that a checkpoint re-encodes and re-hashes only the pages changed since the last
 * one, and state transfer moves and verifies the state page by page.
 */
export interface Service {
  /** Apply an operation; returns its result. Must be deterministic and must not throw on bad input. */
  execute(op: Uint8Array, ctx: ExecutionContext): Uint8Array;
  /** Answer a read-only operation from the current state without changing it (an op that would write gets an error result). */
  query(op: Uint8Array): Uint8Array;
  /** How many pages the state has (fixed for the life of the service). */
  readonly pageCount: number;
  /** The pages changed since the last call, and forget them (the checkpointer calls this). */
  takeDirtyPages(): number[];
  /** The canonical encoding of page i: the same state gives the same bytes on every replica. */
  encodePage(index: number): Uint8Array;
  /**
   * Replace the whole state by these pages. They come from peers: even verified against a
   * certified digest they are decoded strictly, and a bad page is an error, never a crash.
   */
  restorePages(pages: readonly Uint8Array[]): Result<void, string>;
}

/**
 * The service of benchmarks and simulator runs: it counts operations and answers with the
 * count followed by `replyBytes` bytes of padding, so a run can choose its reply size. The
 * count makes every result depend on the whole order, so any divergence shows in the results.
 */
export class CounterService implements Service {
  private count = 0;

  constructor(private readonly replyBytes = 0) {}

  execute(): Uint8Array {
    this.count++;
    this.dirty = true;
    return this.result();
  }

  query(): Uint8Array {
    return this.result();
  }

  readonly pageCount = 1;
  private dirty = true;

  takeDirtyPages(): number[] {
    const pages = this.dirty ? [0] : [];
    this.dirty = false;
    return pages;
  }

  encodePage(): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, this.count);
    return b;
  }

  restorePages(pages: readonly Uint8Array[]): Result<void, string> {
    const page = pages[0];
    if (pages.length !== 1 || page === undefined || page.byteLength !== 8)
      return err('counter state is one 8-byte page');
    const count = new DataView(page.buffer, page.byteOffset, 8).getFloat64(0);
    if (!Number.isSafeInteger(count) || count < 0) return err('counter page holds no count');
    this.count = count;
    this.dirty = true;
    return ok(undefined);
  }

  private result(): Uint8Array {
    const out = new Uint8Array(8 + this.replyBytes);
    new DataView(out.buffer).setFloat64(0, this.count);
    return out;
  }
}
