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

export class EventStream<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly readers: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void }[] = [];
  private ended = false;
  private error: Error | undefined;
  /** Items dropped because the buffer was full. */
  dropped = 0;

  constructor(
    private readonly capacity: number,
    private readonly policy: OverflowPolicy,
  ) {}

  push(item: T): void {
    if (this.ended || this.error !== undefined) return void this.dropped++;
    const reader = this.readers.shift();
    if (reader !== undefined) return reader.resolve({ value: item, done: false });
    if (this.items.length < this.capacity) return void this.items.push(item);
    this.dropped++;
    if (this.policy.kind === 'drop-oldest') {
      this.items.shift();
      this.items.push(item);
    } else {
      this.error = this.policy.error();
    }
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
    const item = this.items.shift();
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
