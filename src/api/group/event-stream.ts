/**
 * A bounded buffer between a member, which cannot wait, and an application that reads at its own
 * pace, as an async iterable with one reader. When the buffer is full one of two policies holds:
 * `fail` keeps what is buffered, drops what comes after, and makes the reader's next read past
 * the buffered items throw the given error (nothing is lost silently); `drop-oldest` drops the
 * oldest item (for streams where the latest supersedes the rest, like views).
 */
import type { GroupError } from '../../runtime/group/errors.js';

export type OverflowPolicy =
  { readonly kind: 'fail'; readonly error: () => GroupError } | { readonly kind: 'drop-oldest' };

export interface StreamBounds {
  /** Items buffered at most. */
  readonly itemsMax: number;
  /** Bytes buffered at most, as `sizeOf` counts them (default: no byte bound). */
  readonly bytesMax?: number;
  readonly sizeOf?: (item: unknown) => number;
}

export class EventStream<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private bytes = 0;
  private readonly readers: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }[] = [];
  private ended = false;
  private error: Error | undefined;
  /** Items dropped because the buffer was full. */
  dropped = 0;

  constructor(
    private readonly bounds: StreamBounds,
    private readonly policy: OverflowPolicy,
  ) {}

  push(item: T): void {
    if (this.ended || this.error !== undefined) return void this.dropped++;
    const reader = this.readers.shift();
    if (reader !== undefined) return reader.resolve({ value: item, done: false });
    const size = this.sizeOf(item);
    if (this.fits(size)) return this.keep(item, size);
    if (this.policy.kind === 'fail') {
      this.dropped++;
      this.error = this.policy.error();
      return;
    }
    for (; this.items.length > 0 && !this.fits(size); this.dropped++) this.take();
    if (this.fits(size)) this.keep(item, size);
    else this.dropped++;
  }

  private fits(size: number): boolean {
    return (
      this.items.length < this.bounds.itemsMax && this.bytes + size <= (this.bounds.bytesMax ?? Infinity)
    );
  }

  private keep(item: T, size: number): void {
    this.items.push(item);
    this.bytes += size;
  }

  private take(): T | undefined {
    const item = this.items.shift();
    if (item !== undefined) this.bytes -= this.sizeOf(item);
    return item;
  }

  private sizeOf(item: T): number {
    return this.bounds.sizeOf?.(item) ?? 0;
  }

  /** No more items: the reader finishes after the buffered ones. */
  end(): void {
    this.ended = true;
    for (const r of this.readers.splice(0)) r.resolve({ value: undefined, done: true });
  }

  get buffered(): number {
    return this.items.length;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.take();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  /**
   * Leaving a `for await` loop early does not end the stream: a later loop goes on from where
   * the first one stopped.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
