/**
 * Back-pressure between an application and a member's stack. The stack accepts a multicast only
 * while fewer than `pendingMax` of this member's multicasts are in flight; beyond that the
 * application's multicasts wait here, in order, and are handed over as the window opens (on each
 * report of the member, when one of its own messages comes back, and on a short retry timer).
 * The waiting line is bounded too: beyond `waitingMax` a multicast is refused at once with
 * `QUEUE_FULL`, so an application that never waits for its promises cannot grow it without bound.
 */
import type { Guarantee } from '../../protocols/itua/index.js';
import { ituaLimits } from '../../protocols/itua/index.js';
import { GroupError } from './errors.js';

interface Waiting {
  readonly guarantee: Guarantee;
  readonly data: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (e: GroupError) => void;
}

export interface MulticastQueueOptions {
  /** Multicasts waiting for the stack at most (default 1024). */
  readonly waitingMax?: number;
  /** How often to offer the head again while the stack refuses it (default 10 ms). */
  readonly retryMs?: number;
}

/** The largest data one multicast carries (the Total layer's bound). */
export const multicastBytesMax = ituaLimits.dataBytesMax;

export class MulticastQueue {
  private readonly waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closedBy: GroupError | undefined;
  private pumping = false;
  private readonly waitingMax: number;
  private readonly retryMs: number;

  constructor(
    private readonly offer: (guarantee: Guarantee, data: Uint8Array) => boolean,
    o: MulticastQueueOptions = {},
  ) {
    this.waitingMax = o.waitingMax ?? 1024;
    this.retryMs = o.retryMs ?? 10;
  }

  /** Resolves once the stack accepted the multicast, in the order of the calls. */
  submit(guarantee: Guarantee, data: Uint8Array): Promise<void> {
    if (this.closedBy !== undefined) return Promise.reject(this.closedBy);
    if (data.byteLength > multicastBytesMax) {
      const e = new GroupError(
        'TOO_LARGE',
        `a multicast carries at most ${multicastBytesMax} bytes, got ${data.byteLength}`,
      );
      return Promise.reject(e);
    }
    if (this.waiting.length >= this.waitingMax) {
      const e = new GroupError(
        'QUEUE_FULL',
        `${this.waitingMax} multicasts are already waiting for the group`,
      );
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ guarantee, data, resolve, reject });
      this.pump();
    });
  }

  /** Offer the waiting multicasts again (the window may have opened). */
  pump(): void {
    // The stack may report (and so call pump) from inside offer: the outer call finishes the job.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.offerWaiting();
    } finally {
      this.pumping = false;
    }
    if (this.waiting.length > 0 && this.timer === undefined && this.closedBy === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.retryMs);
    }
  }

  private offerWaiting(): void {
    for (let w = this.waiting[0]; w !== undefined; w = this.waiting[0]) {
      if (!this.offer(w.guarantee, w.data)) break;
      this.waiting.shift();
      w.resolve();
    }
  }

  get length(): number {
    return this.waiting.length;
  }

  /** Refuse everything waiting and everything after with `error`. */
  close(error: GroupError): void {
    if (this.closedBy !== undefined) return;
    this.closedBy = error;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}
