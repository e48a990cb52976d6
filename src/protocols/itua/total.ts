/**
 * The Total layer: seed 003's born-order total ordering ("Total Ordering Protocol"; "Implementation:
 * Total Ordering"), on top of the Reliable layer's FIFO multicast. Member i stamps each ordered
 * multicast with a number of its own partition S_i = {i, i+n, i+2n, ...} (f_i(x) = x + n, the rank
 * as initial number), in increasing order; every member delivers ordered messages in number
 * order, a message numbered g once no other member can still send a number below g. The
 * generating functions are known to all (seed 003), so that is as soon as each other member j
 * has sent a number x with f_j(x) = x + n above g: j's next number is at least f_j(x), and its
 * numbers increase along its FIFO stream. A member whose next number would not pass a waiting
 * message multicasts a null message, so the others can advance; a member that holds the order
 * back is suspected. When the members send alike (the numbers of one round within n of each
 * other), no null message is needed at all, which is why seed 003 chose f_i(x) = x + n.
 *
 * FIFO-only messages pass through (Ensemble's NOHDR) but keep their place in their sender's
 * stream: a member's messages reach the application in the order it sent them, whatever their
 * guarantee.
 */
import { codec } from '../../codec/frame.js';
import { assert } from '../../core/assert.js';
import type { Layer, LayerEnv, Rank, Suspicion } from './layer.js';
import { suspicion } from './layer.js';
import { bodySchema, ituaLimits } from './messages.js';
import type { ReliableDelivery } from './reliable.js';
import type { ItuaTuning, TotalTimer } from './timers.js';
import { validateOrder } from './validate.js';

export type Guarantee = 'fifo' | 'total';

export type TotalRequest = {
  readonly kind: 'multicast';
  readonly guarantee: Guarantee;
  readonly data: Uint8Array;
};

/** What the application receives. */
export interface GroupDelivery {
  readonly kind: 'deliver';
  readonly sender: Rank;
  /** The sender's reliable sequence number (per sender, from 1). */
  readonly seq: number;
  readonly guarantee: Guarantee;
  /** The born-order number, for totally ordered messages. */
  readonly order?: number;
  readonly data: Uint8Array;
}

export type TotalOut =
  | { readonly kind: 'multicast'; readonly body: Uint8Array }
  | { readonly kind: 'progress'; readonly received: readonly number[]; readonly consumed: readonly number[] }
  | GroupDelivery
  | Suspicion;

/** A reliably delivered message waiting in its sender's stream. */
interface Item {
  readonly seq: number;
  /** `skip`: consumed without delivery (a null message, or a message refused at this layer). */
  readonly kind: 'fifo' | 'ordered' | 'skip';
  readonly order: number;
  readonly data?: Uint8Array;
}

export const bodyCodec = codec(bodySchema, ituaLimits.bodyBytesMax);

export class Total implements Layer<ReliableDelivery, TotalRequest, TotalTimer> {
  private readonly n: number;
  /** The last number x received from each member: it will never send one below f(x) = x + n. */
  private readonly lastOrder: number[];
  private assigned: number;
  private highestSeen = -1;
  private readonly queues: Item[][];
  /** Per sender: the last sequence number the Reliable layer delivered here, and the last one consumed. */
  private readonly received: number[];
  private readonly consumed: number[];
  /** Members whose numbers broke the rules: their ordered messages are never delivered. */
  private readonly frozen: boolean[];
  /** A stall episode per member: the number it must pass, and whether it was suspected already. */
  private readonly stallTarget: (number | undefined)[];
  private readonly stallSuspected: boolean[];
  private outstanding = 0;
  private nullArmed = false;
  /** A view change is under way: nothing more is delivered except by `flush` (seed 003, Sync layer). */
  private blocked = false;

  constructor(
    private readonly env: LayerEnv<never, TotalOut, TotalTimer>,
    private readonly tuning: ItuaTuning,
  ) {
    this.n = env.view.members.length;
    this.lastOrder = Array.from({ length: this.n }, (_, r) => r - this.n);
    this.assigned = env.self - this.n;
    this.queues = Array.from({ length: this.n }, () => []);
    this.received = new Array<number>(this.n).fill(0);
    this.consumed = new Array<number>(this.n).fill(0);
    this.frozen = new Array<boolean>(this.n).fill(false);
    this.stallTarget = new Array<number | undefined>(this.n).fill(undefined);
    this.stallSuspected = new Array<boolean>(this.n).fill(false);
  }

  start(): void {}

  /** Whether the application may multicast `bytes` now (its own messages in flight are bounded). */
  canAccept(bytes: number): boolean {
    return this.outstanding < this.tuning.pendingMax && bytes <= ituaLimits.dataBytesMax;
  }

  onRequest(r: TotalRequest): void {
    assert(this.canAccept(r.data.byteLength), 'total: multicast beyond the pending bound');
    if (r.guarantee === 'fifo') return this.send({ kind: 'fifo', data: r.data });
    const order = this.nextNumber();
    this.send({ kind: 'ordered', order, data: r.data });
  }

  /** A message the Reliable layer delivered, in its sender's FIFO order. */
  onMessage(sender: Rank, d: ReliableDelivery): void {
    if (sender === this.env.self) this.outstanding--;
    this.received[sender] = d.seq;
    this.queues[sender]?.push(this.admit(sender, d));
    this.drain();
    this.env.emit({ kind: 'progress', received: [...this.received], consumed: [...this.consumed] });
  }

  onTimer(t: TotalTimer): void {
    if (t.view !== this.env.view.id || this.blocked) return;
    if (t.kind === 'to.null') {
      this.nullArmed = false;
      if (this.nullNeeded() && this.outstanding < this.tuning.pendingMax) {
        this.send({ kind: 'null', order: this.nextNumber() });
      }
      return;
    }
    // A stall timer that was not cancelled: the member did not pass its target in time.
    if (this.stallTarget[t.rank] === undefined || this.stallSuspected[t.rank]) return;
    this.stallSuspected[t.rank] = true;
    const detail = `holds the order below ${this.stallTarget[t.rank]}`;
    this.env.emit(suspicion(t.rank, 'ORDER_STALL', detail));
  }

  /** The next number of my partition above everything seen, skipping at most `orderSkipMax` of mine. */
  private nextNumber(): number {
    const base = Math.max(this.assigned, this.highestSeen) + 1;
    const self = this.env.self;
    let x = base + ((((self - base) % this.n) + this.n) % this.n);
    const cap = this.assigned + this.tuning.orderSkipMax * this.n;
    if (x > cap) x = cap;
    this.assigned = x;
    return x;
  }

  private send(body: Parameters<typeof bodyCodec.encode>[0]): void {
    this.outstanding++;
    this.env.emit({ kind: 'multicast', body: bodyCodec.encode(body) });
  }

  /** Decode and check a delivered body; what breaks the rules is consumed without delivery. */
  private admit(sender: Rank, d: ReliableDelivery): Item {
    const skip: Item = { seq: d.seq, kind: 'skip', order: -1 };
    const decoded = bodyCodec.decode(d.body);
    if (!decoded.ok) {
      this.env.emit(suspicion(sender, 'BAD_BODY', decoded.error.code));
      return skip;
    }
    const body = decoded.value;
    if (body.kind === 'fifo') return { seq: d.seq, kind: 'fifo', order: -1, data: body.data };
    if (this.frozen[sender]) return skip;
    const last = this.lastOrder[sender] as number;
    const code = validateOrder(sender, body.order, last, this.n, this.tuning.orderSkipMax);
    if (code !== undefined) {
      // Every correct member sees the same stream, so all of them freeze this sender at the same point.
      this.frozen[sender] = true;
      this.env.emit(suspicion(sender, code, `order ${body.order} after ${last}`));
      return skip;
    }
    this.lastOrder[sender] = body.order;
    if (body.order > this.highestSeen) this.highestSeen = body.order;
    if (body.kind === 'null') return skip;
    return { seq: d.seq, kind: 'ordered', order: body.order, data: body.data };
  }

  /** Stop delivering and stop watching the order: the membership layer ends this view. */
  block(): void {
    this.blocked = true;
  }

  /**
   * View synchrony: deliver every message up to the agreed cut (per sender, a sequence number),
   * without waiting for anyone's numbers: every correct member holds the same messages below the
   * cut, so delivering the ordered ones by number, each sender's in FIFO order, gives every
   * correct member the same sequence. What lies above the cut is dropped with this view.
   */
  flush(cut: readonly number[]): void {
    const within = (i: number): boolean => {
      const head = (this.queues[i] as Item[])[0];
      return head !== undefined && head.seq <= (cut[i] ?? 0);
    };
    for (;;) {
      for (let i = 0; i < this.n; i++) {
        while (within(i) && ((this.queues[i] as Item[])[0] as Item).kind !== 'ordered') this.consume(i);
      }
      let best: Rank | undefined;
      for (let i = 0; i < this.n; i++) {
        if (within(i) && (best === undefined || this.headOrder(i) < this.headOrder(best))) best = i;
      }
      if (best === undefined) return;
      this.consume(best);
    }
  }

  /** Deliver all that can be: heads that need no order, then the lowest number once nobody can undercut it. */
  private drain(): void {
    if (this.blocked) return;
    for (;;) {
      for (let i = 0; i < this.n; i++) {
        const q = this.queues[i] as Item[];
        while (q.length > 0 && (q[0] as Item).kind !== 'ordered') this.consume(i);
      }
      const head = this.lowestHead();
      if (head === undefined || !this.isDeliverable(head)) break;
      this.consume(head);
    }
    this.watchStalls();
    if (!this.nullArmed && this.nullNeeded()) {
      this.nullArmed = true;
      this.env.setTimer(this.tuning.nullDelayMs, { kind: 'to.null', view: this.env.view.id });
    }
  }

  private consume(sender: Rank): void {
    const item = (this.queues[sender] as Item[]).shift() as Item;
    this.consumed[sender] = item.seq;
    if (item.kind === 'skip') return;
    const base = { kind: 'deliver', sender, seq: item.seq, data: item.data as Uint8Array } as const;
    if (item.kind === 'fifo') this.env.emit({ ...base, guarantee: 'fifo' });
    else this.env.emit({ ...base, guarantee: 'total', order: item.order });
  }

  /** The sender whose head (an ordered message) has the lowest number. */
  private lowestHead(): Rank | undefined {
    let best: Rank | undefined;
    let bestOrder = Infinity;
    for (let i = 0; i < this.n; i++) {
      const head = (this.queues[i] as Item[])[0];
      if (head !== undefined && head.order < bestOrder) {
        best = i;
        bestOrder = head.order;
      }
    }
    return best;
  }

  private headOrder(sender: Rank): number {
    return ((this.queues[sender] as Item[])[0] as Item).order;
  }

  private isDeliverable(sender: Rank): boolean {
    const g = this.headOrder(sender);
    for (let j = 0; j < this.n; j++) if (j !== sender && !this.passes(j, g)) return false;
    return true;
  }

  /** Member j can no longer send a number below g: its next one is at least f_j(last) = last + n. */
  private passes(j: Rank, g: number): boolean {
    return (this.lastOrder[j] as number) + this.n > g;
  }

  /** Someone's ordered message waits for a number of mine: my next one (f(assigned)) would not pass it. */
  private nullNeeded(): boolean {
    return this.highestPending() > this.assigned + this.n;
  }

  /** The highest number waiting (my own waiting messages are below what I assigned, so they never call for a null). */
  private highestPending(): number {
    let max = -Infinity;
    for (const q of this.queues)
      for (const item of q) if (item.kind === 'ordered' && item.order > max) max = item.order;
    return max;
  }

  /**
   * Seed 003: a member that neither sends messages nor null messages stalls the order. An episode
   * starts when a member holds back the lowest waiting message; it must then pass every number
   * waiting at that moment within `stallMs`, or it is suspected. Passing them ends the episode,
   * so a member that inches forward one number at a time is still caught.
   */
  private watchStalls(): void {
    const head = this.lowestHead();
    const g = head === undefined ? undefined : this.headOrder(head);
    const target = g === undefined ? -1 : Math.max(g, this.highestPending());
    for (let j = 0; j < this.n; j++) {
      if (j === this.env.self) continue;
      const episode = this.stallTarget[j];
      if (episode !== undefined && this.passes(j, episode)) this.endStall(j);
      if (this.stallTarget[j] !== undefined || g === undefined || j === head || this.passes(j, g)) continue;
      this.stallTarget[j] = target;
      this.env.setTimer(this.tuning.stallMs, { kind: 'to.stall', view: this.env.view.id, rank: j });
    }
  }

  private endStall(j: Rank): void {
    this.stallTarget[j] = undefined;
    this.stallSuspected[j] = false;
    this.env.cancelTimer({ kind: 'to.stall', view: this.env.view.id, rank: j });
  }
}
