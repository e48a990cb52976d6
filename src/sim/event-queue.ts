/**
 * The simulator's agenda: events ordered by virtual time, ties broken by insertion order so a
 * run is a pure function of its seed. A binary heap over parallel arrays keeps the hot path
 * free of per-event comparator closures.
 */
export class EventQueue<E> {
  private times: number[] = [];
  private orders: number[] = [];
  private items: E[] = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: E): void {
    let i = this.items.length;
    const order = this.counter++;
    this.times.push(time);
    this.orders.push(order);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(time, order, parent)) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, time, order, item);
  }

  /** The earliest event's time (Infinity when empty). */
  peekTime(): number {
    return this.items.length === 0 ? Infinity : (this.times[0] as number);
  }

  pop(): E | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0] as E;
    const time = this.times.pop() as number;
    const order = this.orders.pop() as number;
    const item = this.items.pop() as E;
    if (n > 1) this.siftDown(time, order, item);
    return top;
  }

  private siftDown(time: number, order: number, item: E): void {
    const n = this.items.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.lessIdx(child + 1, child)) child++;
      if (!this.lessIdxThan(child, time, order)) break;
      this.move(child, i);
      i = child;
    }
    this.set(i, time, order, item);
  }

  private less(time: number, order: number, j: number): boolean {
    const tj = this.times[j] as number;
    return time < tj || (time === tj && order < (this.orders[j] as number));
  }

  private lessIdx(i: number, j: number): boolean {
    return this.less(this.times[i] as number, this.orders[i] as number, j);
  }

  private lessIdxThan(i: number, time: number, order: number): boolean {
    const ti = this.times[i] as number;
    return ti < time || (ti === time && (this.orders[i] as number) < order);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.orders[to] = this.orders[from] as number;
    this.items[to] = this.items[from] as E;
  }

  private set(i: number, time: number, order: number, item: E): void {
    this.times[i] = time;
    this.orders[i] = order;
    this.items[i] = item;
  }
}
