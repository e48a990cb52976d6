/**
 * The Stable layer (seed 003, Table I "Stable", and "Implementation: Reliable Multicast"): every
 * member periodically multicasts a signed stability array, how many messages of each sender it
 * has delivered. The stability threshold of a sender is the least count over all members: every
 * member has delivered that far, so the Reliable layer may discard those messages and move the
 * sender's window (Figure 4).
 *
 * An array holds two counts per sender: what reached the member (it holds those messages, and
 * can resend them) and what its application consumed (the threshold's basis, so that the Total
 * layer's queues stay within the window too). Members learn from the first which messages exist
 * before they are consumed anywhere: a member that lost a message the order waits for would
 * otherwise never learn of it. A member whose array does not arrive in time is suspected: it
 * would otherwise hold every buffer in the group at its threshold.
 *
 * The threshold is a minimum over all members, never over a quorum: a message may be discarded
 * only when no correct member can still ask for it. So a member that stops reporting stops
 * garbage collection, and each sender can then multicast only `windowMax` more messages until
 * the membership layer excludes it; the suspicion raised here is what starts that exclusion.
 */
import type { Layer, LayerEnv, Rank, Suspicion } from './layer.js';
import { suspicion } from './layer.js';
import type { ReportMessage } from './messages.js';
import { signReport, type Progress } from './signing.js';
import type { ItuaTuning, StableTimer } from './timers.js';
import { validateReport } from './validate.js';

/**
 * From the layer above: per sender, how many messages reached it from the Reliable layer
 * (`received`) and how many the application has consumed (`consumed`, never more).
 */
export type StableRequest = { readonly kind: 'progress' } & Progress;

export type StableOut =
  | { readonly kind: 'stable'; readonly thresholds: readonly number[] }
  /** What `reporter` holds, per sender: which messages exist, and who can resend them. */
  | { readonly kind: 'report'; readonly reporter: Rank; readonly received: readonly number[] }
  | Suspicion;

export class Stable implements Layer<ReportMessage, StableRequest, StableTimer> {
  private readonly n: number;
  /** The latest arrays of each member (element-wise maxima of what it sent; mine from `progress`). */
  private readonly received: number[][];
  private readonly consumed: number[][];
  private readonly heardAt: number[];
  /** Members suspected in the current silence: suspected once, again only after they report. */
  private readonly silent: boolean[];
  private thresholds: number[];

  constructor(
    private readonly env: LayerEnv<ReportMessage, StableOut, StableTimer>,
    private readonly tuning: ItuaTuning,
  ) {
    this.n = env.view.members.length;
    this.received = Array.from({ length: this.n }, () => new Array<number>(this.n).fill(0));
    this.consumed = Array.from({ length: this.n }, () => new Array<number>(this.n).fill(0));
    this.heardAt = new Array<number>(this.n).fill(0);
    this.silent = new Array<boolean>(this.n).fill(false);
    this.thresholds = new Array<number>(this.n).fill(0);
  }

  start(): void {
    this.heardAt.fill(this.env.now());
    // A random phase, so members do not all report in the same instant.
    const first = this.tuning.stableIntervalMs * (0.5 + this.env.random().float() / 2);
    this.env.setTimer(first, { kind: 'st.tick', view: this.env.view.id });
  }

  onMessage(from: Rank, m: ReportMessage): void {
    const v = validateReport(from, m, this.env);
    if (v.verdict === 'reject') this.env.emit(suspicion(from, v.code, 'st-report'));
    if (v.verdict !== 'accept') return;
    this.heardAt[from] = this.env.now();
    this.silent[from] = false;
    // Arrays may arrive out of order: counts only grow, so keep the largest seen.
    raise(this.received[from] as number[], m.received);
    raise(this.consumed[from] as number[], m.consumed);
    this.env.emit({ kind: 'report', reporter: from, received: [...(this.received[from] as number[])] });
    this.recompute();
  }

  onRequest(r: StableRequest): void {
    raise(this.received[this.env.self] as number[], r.received);
    raise(this.consumed[this.env.self] as number[], r.consumed);
    this.recompute();
  }

  onTimer(t: StableTimer): void {
    if (t.view !== this.env.view.id) return;
    this.report();
    this.checkSilence();
    this.env.setTimer(this.tuning.stableIntervalMs, { kind: 'st.tick', view: this.env.view.id });
  }

  /** The current stability threshold of each sender. */
  stability(): readonly number[] {
    return this.thresholds;
  }

  private report(): void {
    const { env } = this;
    const progress = {
      received: [...(this.received[env.self] as number[])],
      consumed: [...(this.consumed[env.self] as number[])],
    };
    const sig = signReport(env.crypto, env.view.id, env.self, progress);
    env.broadcast({ kind: 'st-report', view: env.view.id, ...progress, sig });
  }

  private checkSilence(): void {
    const now = this.env.now();
    for (let k = 0; k < this.n; k++) {
      if (k === this.env.self || this.silent[k]) continue;
      const quietMs = now - (this.heardAt[k] as number);
      if (quietMs < this.tuning.stabilityTimeoutMs) continue;
      this.silent[k] = true;
      this.env.emit(suspicion(k, 'STABILITY_TIMEOUT', `no stability array for ${Math.round(quietMs)} ms`));
    }
  }

  /**
   * Threshold of sender i = min over members of what their applications consumed of i (so the
   * layers above never hold more than a window of a sender's messages); announce any rise.
   */
  private recompute(): void {
    let rose = false;
    const next = new Array<number>(this.n);
    for (let i = 0; i < this.n; i++) {
      let min = Infinity;
      for (const row of this.consumed) min = Math.min(min, row[i] as number);
      next[i] = min;
      if (min > (this.thresholds[i] as number)) rose = true;
    }
    if (!rose) return;
    this.thresholds = next;
    this.env.emit({ kind: 'stable', thresholds: next });
  }
}

function raise(row: number[], counts: readonly number[]): void {
  for (let i = 0; i < row.length; i++) row[i] = Math.max(row[i] as number, counts[i] ?? 0);
}
