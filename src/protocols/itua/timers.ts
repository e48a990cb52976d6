/**
 * The ITUA stack's timers and tuning, with defaults; any of them can be overridden by name (as
 * `ProtocolConfig.tuning` does for ordering protocols). Every timer key carries its view, and a
 * layer ignores a key of another view.
 */
export interface ItuaTuning {
  /**
   * Phase 1: resend the digest to members that have not replied, first after this long at least
   * (longer once certifications are seen to take longer: reliable-state.ts, RoundTrip).
   */
  readonly digestRetryMs: number;
  /**
   * Phase 2: a member gathers the digests that come within this long and signs its replies to all
   * of them at once. 0: those that came with the same events (a real host runs a zero timer right
   * after the I/O callbacks already queued), so an idle member answers at once.
   */
  readonly replyBatchMs: number;
  /** Replies one signature covers at most (1 to 64: 1 signs each reply alone, at once). */
  readonly replyBatchMax: number;
  /** Retransmission delays double up to this bound. */
  readonly retryMsMax: number;
  /** Wait this long after seeing a gap before the first negative acknowledgement. */
  readonly nakDelayMs: number;
  /** Then repeat it this often (doubling up to retryMsMax) while the gap remains. */
  readonly nakRetryMs: number;
  /** Messages resent for one negative acknowledgement at most. */
  readonly nakBatchMax: number;
  /** Answer one member's negative acknowledgements about one sender at most this often. */
  readonly nakAnswerMs: number;
  /** Figure 4's window: messages of one sender accepted above its stability threshold. */
  readonly windowMax: number;
  /** The application's multicasts in flight (queued or not yet delivered back) at most. */
  readonly pendingMax: number;
  /** Repeat held equivocation proofs this often, so every member learns them despite loss. */
  readonly proofRepeatMs: number;
  /** The Stable layer multicasts its stability array this often. */
  readonly stableIntervalMs: number;
  /** A member whose stability array has not arrived for this long is suspected. */
  readonly stabilityTimeoutMs: number;
  /** Total: wait this long for data to carry the order before sending a null message. */
  readonly nullDelayMs: number;
  /** Total: numbers of its own partition a member may skip in one message at most. */
  readonly orderSkipMax: number;
  /** Total: a member that holds back the order for this long is suspected. */
  readonly stallMs: number;
}

export const defaultTuning: ItuaTuning = {
  digestRetryMs: 40,
  replyBatchMs: 0,
  replyBatchMax: 64,
  retryMsMax: 320,
  nakDelayMs: 15,
  nakRetryMs: 60,
  nakBatchMax: 32,
  nakAnswerMs: 20,
  windowMax: 256,
  pendingMax: 128,
  proofRepeatMs: 500,
  stableIntervalMs: 150,
  stabilityTimeoutMs: 900,
  nullDelayMs: 10,
  orderSkipMax: 1024,
  stallMs: 800,
};

export function resolveTuning(overrides: Readonly<Record<string, number>> | undefined): ItuaTuning {
  const t: Record<string, number> = { ...defaultTuning };
  for (const [k, v] of Object.entries(overrides ?? {})) if (k in t && Number.isFinite(v) && v >= 0) t[k] = v;
  return t as unknown as ItuaTuning;
}

export type ReliableTimer =
  | { readonly kind: 'rm.digest'; readonly view: number; readonly seq: number }
  | { readonly kind: 'rm.nak'; readonly view: number; readonly sender: number }
  | { readonly kind: 'rm.proofs'; readonly view: number }
  | { readonly kind: 'rm.replies'; readonly view: number };

export type StableTimer = { readonly kind: 'st.tick'; readonly view: number };

export type TotalTimer =
  | { readonly kind: 'to.null'; readonly view: number }
  | { readonly kind: 'to.stall'; readonly view: number; readonly rank: number };

export type ItuaTimer = ReliableTimer | StableTimer | TotalTimer;
