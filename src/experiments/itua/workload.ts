/**
 * The application of seed 003's "Results for Message Delivery", as a small object that runs over
 * any member that can multicast and deliver: once the group has reached group_size, record the
 * start time and multicast num_init_casts messages; then multicast one more every time group_size
 * messages have been received; note the end time when 10 × group_size messages were received.
 *
 * Received messages include the member's own multicasts (Ensemble delivers them to the sender
 * too). A member that has finished keeps running its stack (the others may still need its
 * retransmissions, stability arrays or null messages) but multicasts nothing more.
 */

export interface DeliveryWorkloadParams {
  /** The paper's group_size: also the number of deliveries that triggers another multicast. */
  readonly groupSize: number;
  /** The paper's num_init_casts: the initial burst. */
  readonly initCasts: number;
  /** The run ends at this many deliveries times groupSize (the paper: 10). */
  readonly roundsMax: number;
  /** Bytes of each multicast (the first nine say who sent it, its number and the run's phase). */
  readonly payloadBytes: number;
}

export const defaultWorkload: Omit<DeliveryWorkloadParams, 'groupSize'> = {
  initCasts: 5,
  roundsMax: 10,
  payloadBytes: 64,
};

export class DeliveryWorkload {
  private delivered = 0;
  private sent = 0;
  /** Multicasts the member refused (too many in flight): sent as soon as it accepts them. */
  private owed = 0;
  private startMs: number | undefined;
  private endMs: number | undefined;

  constructor(
    private readonly params: DeliveryWorkloadParams,
    private readonly self: number,
    /** Runs in one group are numbered (a warm-up, then the measured one): late messages of an earlier run do not count. */
    readonly phase: number,
    /** The member's multicast: false when it cannot take one more now. */
    private readonly multicast: (data: Uint8Array) => boolean,
  ) {}

  get done(): boolean {
    return this.endMs !== undefined;
  }

  get deliveries(): number {
    return this.delivered;
  }

  get multicasts(): number {
    return this.sent;
  }

  /** Milliseconds from start to the last needed delivery, once done. */
  get elapsedMs(): number | undefined {
    return this.startMs === undefined || this.endMs === undefined ? undefined : this.endMs - this.startMs;
  }

  /** The group has reached group_size: start the clock and send the initial burst. */
  start(nowMs: number): void {
    if (this.startMs !== undefined) return;
    this.startMs = nowMs;
    this.owed += this.params.initCasts;
    this.flush();
  }

  /** One message was delivered to this member (its own included). */
  onDeliver(nowMs: number, data: Uint8Array): void {
    if (this.startMs === undefined || this.done || data[8] !== this.phase) return;
    this.delivered++;
    if (this.delivered >= this.params.roundsMax * this.params.groupSize) {
      this.endMs = nowMs;
      this.owed = 0;
      return;
    }
    if (this.delivered % this.params.groupSize === 0) this.owed++;
    this.flush();
  }

  /** Whether multicasts are still owed (the host retries them soon). */
  get backlog(): number {
    return this.owed;
  }

  /** Send what is owed, as far as the member accepts. */
  flush(): void {
    while (this.owed > 0 && !this.done) {
      if (!this.multicast(this.payload())) return;
      this.owed--;
      this.sent++;
    }
  }

  private payload(): Uint8Array {
    const data = new Uint8Array(Math.max(9, this.params.payloadBytes));
    const view = new DataView(data.buffer);
    view.setUint32(0, this.self);
    view.setUint32(4, this.sent);
    view.setUint8(8, this.phase);
    return data;
  }
}
