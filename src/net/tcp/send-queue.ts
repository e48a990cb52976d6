/**
 * The bounded queue of frames waiting for one peer. It holds frames while the peer is
 * disconnected or its socket is busy, and refuses the newest frame once either bound is reached
 * (the policy in README.md: protocols above retransmit, so a drop costs time, never safety, and a
 * slow or absent peer cannot grow this node's memory).
 */
export class SendQueue {
  private frames: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly framesMax: number,
    private readonly bytesMax: number,
  ) {}

  get length(): number {
    return this.frames.length - this.head;
  }

  /** Frame bytes queued (length prefixes not counted): the back-pressure signal. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** False when the frame does not fit: the caller drops it (drop-newest). */
  push(frame: Uint8Array): boolean {
    if (this.length >= this.framesMax || this.bytes + frame.byteLength > this.bytesMax) return false;
    this.frames.push(frame);
    this.bytes += frame.byteLength;
    return true;
  }

  /**
   * Takes frames from the front while their framed size stays within `payloadBytesTarget` (always
   * at least one), and reports them as a window over an array the caller reads at once.
   */
  takeBatch(payloadBytesTarget: number, lengthPrefixBytes: number): Batch | undefined {
    if (this.length === 0) return undefined;
    const from = this.head;
    let payloadBytes = 0;
    let to = from;
    while (to < this.frames.length) {
      const framed = lengthPrefixBytes + this.frames[to]!.byteLength;
      if (to > from && payloadBytes + framed > payloadBytesTarget) break;
      payloadBytes += framed;
      to += 1;
    }
    const batch: Batch = { frames: this.frames, from, to, payloadBytes };
    this.head = to;
    this.bytes -= payloadBytes - (to - from) * lengthPrefixBytes;
    return batch;
  }

  /**
   * Forgets taken frames. Called once the caller has copied every batch it took, because the
   * batches are windows over the same array.
   */
  compact(): void {
    if (this.head === 0) return;
    if (this.head === this.frames.length) {
      this.frames = [];
      this.head = 0;
    } else if (this.head * 2 >= this.frames.length) {
      // Copying only once the consumed prefix is the larger part keeps it O(1) per frame.
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.frames = [];
    this.head = 0;
    this.bytes = 0;
  }
}

export interface Batch {
  readonly frames: readonly Uint8Array[];
  readonly from: number;
  readonly to: number;
  /** Framed size: each frame plus its length prefix. */
  readonly payloadBytes: number;
}
