/**
 * What the Reliable layer keeps per sender (seed 003, Figure 4: a buffer per sender between the
 * stability threshold and the overflow threshold), and the pure choice of whom to ask for what
 * is missing.
 */
import type { Rng } from '../../core/rng.js';
import type { Rank } from './layer.js';
import type { ReplyProof, RmMessage, SignedDigest } from './messages.js';

/** One sequence number of one sender, as this member knows it. */
export interface Slot {
  /** The first signed digest seen (or the certified one, once the message arrives). */
  digest?: SignedDigest;
  /** My reply, kept to answer a retransmitted digest without signing again. */
  reply?: ReplyProof;
  /** My reply waits in the batch being gathered. */
  replyQueued?: boolean;
  /** The certified message, kept until stable for retransmission. */
  message?: RmMessage;
}

export interface SenderState {
  /** The highest sequence number delivered (all below it too). */
  delivered: number;
  /** Figure 4's stability threshold: every member has delivered up to here. */
  stable: number;
  /** The highest sequence number known to exist (from digests, messages, others' arrays). */
  known: number;
  readonly slots: Map<number, Slot>;
  nakArmed: boolean;
  nakRetryMs: number;
}

/** One of my multicasts before it is stable. */
export interface Outgoing {
  readonly body: Uint8Array;
  readonly signed: SignedDigest;
  /** The other members' replies (my digest signature stands for mine). */
  readonly replies: Map<Rank, ReplyProof>;
  certified: boolean;
  retryMs: number;
  /** When phase 1 began (for the round-trip estimate). */
  readonly startedAt: number;
}

/**
 * How long my multicasts take to gather their certificates, smoothed as TCP smooths its round
 * trip (RFC 6298): a digest is resent once its replies are overdue at the pace this group keeps,
 * never before `floorMs`. A fixed delay that a loaded group exceeds resends every digest, and the
 * resent digests and replies load the group further. Every certification counts, resent or not:
 * when all are resent, those are the only measure there is.
 */
export class RoundTrip {
  private smoothed: number | undefined;
  private variation = 0;

  constructor(
    private readonly floorMs: number,
    private readonly ceilingMs: number,
  ) {}

  sample(ms: number): void {
    if (this.smoothed === undefined) {
      this.smoothed = ms;
      this.variation = ms / 2;
      return;
    }
    this.variation = 0.75 * this.variation + 0.25 * Math.abs(this.smoothed - ms);
    this.smoothed = 0.875 * this.smoothed + 0.125 * ms;
  }

  /** The first retransmission delay for a new multicast. */
  timeoutMs(): number {
    if (this.smoothed === undefined) return this.floorMs;
    return Math.min(this.ceilingMs, Math.max(this.floorMs, this.smoothed + 4 * this.variation));
  }
}

export function newSenderState(nakRetryMs: number): SenderState {
  return { delivered: 0, stable: 0, known: 0, slots: new Map<number, Slot>(), nakArmed: false, nakRetryMs };
}

/**
 * Whom a negative acknowledgement goes to: the sender, and f+1 members (at random) whose
 * stability arrays say they delivered `fromSeq`. Up to f of them may lie about holding it, so
 * f+1 reach a correct one, which has it until it is stable.
 */
export function nakTargets(
  reported: readonly (readonly number[])[],
  self: Rank,
  sender: Rank,
  fromSeq: number,
  f: number,
  rng: Rng,
): Rank[] {
  const holders: Rank[] = [];
  reported.forEach((row, k) => {
    if (k !== self && k !== sender && (row[sender] ?? 0) >= fromSeq) holders.push(k);
  });
  const targets = [sender];
  for (let i = 0; i <= f && holders.length > 0; i++) {
    targets.push(holders.splice(rng.int(holders.length), 1)[0] as Rank);
  }
  return targets;
}
