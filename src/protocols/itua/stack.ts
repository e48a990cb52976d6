/**
 * The composition of the ITUA layers into one protocol object (seed 003, Figure 3's stack, as far
 * as this part of the issue goes): Reliable at the bottom, Stable above it, Total on top, the
 * application above that. Messages from members enter at the layer they belong to (`rm-*` at
 * Reliable, `st-*` at Stable); events between layers go through one FIFO queue, run after the
 * handler that raised them returns (Ensemble's event queues), so no layer is ever re-entered.
 *
 *   application   ── multicast(guarantee, data) ──▶ Total ── body ──▶ Reliable ──▶ network
 *   deliveries    ◀── Total ◀── FIFO deliveries ── Reliable ◀── network
 *   Total ── received and consumed counts ──▶ Stable ── thresholds, arrays ──▶ Reliable
 *   suspicions from every layer ──▶ onSuspicion ──▶ env.suspect (towards membership)
 *
 * One stack serves one view. The membership layer (a later part of the issue) will consume the
 * suspicions that leave through `onSuspicion`, and install the next view by building a new stack.
 */
import { assert } from '../../core/assert.js';
import type { Env, Protocol } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { byzantineQuorumFor, maxFaults } from '../../core/quorum.js';
import type { LayerEnv, Rank, SuspectReason, ViewInfo } from './layer.js';
import type { ItuaMessage } from './messages.js';
import { Reliable, type ReliableDelivery, type ReliableOut, type ReliableRequest } from './reliable.js';
import { RoundTrip } from './reliable-state.js';
import { Stable, type StableOut, type StableRequest } from './stable.js';
import { resolveTuning, type ItuaTimer, type ItuaTuning } from './timers.js';
import { Total, type Guarantee, type GroupDelivery, type TotalOut } from './total.js';

export interface StackConfig {
  /** The view number (0 for the initial view). */
  readonly view: number;
  /** The members' node ids, in rank order; this node must be one of them. */
  readonly members: readonly NodeId[];
  /** Overrides of the defaults in timers.ts, by name. */
  readonly tuning?: Readonly<Record<string, number>>;
  /**
   * The previous view's estimate of how long certification takes: a new view starts at the pace
   * the group kept, not at `digestRetryMs` (after an installation every member resends what the
   * cut left out at once, and a floor that burst exceeds would resend every digest).
   */
  readonly roundTrip?: RoundTrip;
}

type Routed =
  | { readonly to: 'reliable'; readonly request: ReliableRequest }
  | { readonly to: 'stable'; readonly request: StableRequest }
  | { readonly to: 'total'; readonly from: Rank; readonly delivery: ReliableDelivery };

export function viewInfo(id: number, members: readonly NodeId[]): ViewInfo {
  const f = maxFaults('byzantine', members.length);
  return { id, members, f, quorum: byzantineQuorumFor(members.length, f) };
}

export class ItuaStack implements Protocol<ItuaMessage, ItuaTimer> {
  readonly view: ViewInfo;
  readonly self: Rank;
  readonly tuning: ItuaTuning;
  /** How long my multicasts take to certify (carried into the next view's stack). */
  readonly roundTrip: RoundTrip;
  private readonly rankOf: ReadonlyMap<NodeId, Rank>;
  private readonly reliable: Reliable;
  private readonly stable: Stable;
  private readonly total: Total;
  private readonly events: Routed[] = [];
  private draining = false;

  constructor(
    private readonly env: Env<ItuaMessage, ItuaTimer, GroupDelivery>,
    config: StackConfig,
  ) {
    this.view = viewInfo(config.view, config.members);
    this.rankOf = new Map(config.members.map((node, rank) => [node, rank]));
    const self = this.rankOf.get(env.self);
    assert(self !== undefined, `itua: node ${env.self} is not a member of view ${config.view}`);
    this.self = self;
    this.tuning = resolveTuning(config.tuning);
    this.roundTrip = config.roundTrip ?? new RoundTrip(this.tuning.digestRetryMs, this.tuning.retryMsMax);
    this.reliable = new Reliable(
      this.layerEnv((o: ReliableOut) => this.fromReliable(o)),
      this.tuning,
      this.roundTrip,
    );
    this.stable = new Stable(
      this.layerEnv((o: StableOut) => this.fromStable(o)),
      this.tuning,
    );
    this.total = new Total(
      this.layerEnv((o: TotalOut) => this.fromTotal(o)),
      this.tuning,
    );
  }

  start(): void {
    this.reliable.start();
    this.stable.start();
    this.total.start();
    this.drain();
  }

  onMessage(from: NodeId, m: ItuaMessage): void {
    const rank = this.rankOf.get(from);
    // Messages of another view, or from outside it, are not this stack's to judge.
    if (rank === undefined || rank === this.self || m.view !== this.view.id) return;
    if (m.kind === 'st-report') this.stable.onMessage(rank, m);
    else this.reliable.onMessage(rank, m);
    this.drain();
  }

  onTimer(t: ItuaTimer): void {
    if (t.view !== this.view.id) return;
    if (t.kind.startsWith('rm.')) this.reliable.onTimer(t as Parameters<Reliable['onTimer']>[0]);
    else if (t.kind.startsWith('st.')) this.stable.onTimer(t as Parameters<Stable['onTimer']>[0]);
    else this.total.onTimer(t as Parameters<Total['onTimer']>[0]);
    this.drain();
  }

  /**
   * The application multicasts `data` with a guarantee. False when it has `pendingMax` multicasts
   * in flight already, or the data is too large: the application tries again later.
   */
  multicast(guarantee: Guarantee, data: Uint8Array): boolean {
    if (!this.total.canAccept(data.byteLength)) return false;
    this.total.onRequest({ kind: 'multicast', guarantee, data });
    this.drain();
    return true;
  }

  /** The stability threshold of each sender (for operators and tests). */
  stability(): readonly number[] {
    return this.stable.stability();
  }

  /** Messages of each sender delivered by the Reliable layer (for operators and tests). */
  deliveredCounts(): number[] {
    return this.reliable.deliveredCounts();
  }

  /** The membership layer ends this view: deliver nothing more until `flush` (seed 003, Sync layer). */
  block(): void {
    this.total.block();
  }

  /**
   * Message stabilization: `reporter` says it holds `counts` messages of each sender. The Reliable
   * layer learns what exists and who holds it, and fetches what it lacks with NAKs.
   */
  expect(reporter: Rank, counts: readonly number[]): void {
    if (reporter === this.self || reporter >= this.view.members.length) return;
    this.reliable.onRequest({ kind: 'report', reporter, received: counts });
    this.drain();
  }

  /** Deliver everything up to the agreed cut (view synchrony); see Total.flush. */
  flush(cut: readonly number[]): void {
    this.total.flush(cut);
    this.drain();
  }

  /** Where every layer's suspicion leaves the stack: the membership layer's input. */
  private onSuspicion(reason: SuspectReason): void {
    const node = this.view.members[reason.rank];
    if (node !== undefined && reason.rank !== this.self) this.env.suspect(node, reason);
  }

  private fromReliable(o: ReliableOut): void {
    if (o.kind === 'suspect') return this.onSuspicion(o.reason);
    this.events.push({ to: 'total', from: o.delivery.sender, delivery: o.delivery });
  }

  private fromStable(o: StableOut): void {
    if (o.kind === 'suspect') return this.onSuspicion(o.reason);
    this.events.push({ to: 'reliable', request: o });
  }

  private fromTotal(o: TotalOut): void {
    switch (o.kind) {
      case 'suspect':
        return this.onSuspicion(o.reason);
      case 'deliver':
        return this.env.deliver(o);
      case 'multicast':
        return void this.events.push({ to: 'reliable', request: o });
      case 'progress':
        return void this.events.push({ to: 'stable', request: o });
    }
  }

  /** Run queued inter-layer events to completion, in the order they were raised. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let e = this.events.shift(); e !== undefined; e = this.events.shift()) {
        if (e.to === 'reliable') this.reliable.onRequest(e.request);
        else if (e.to === 'stable') this.stable.onRequest(e.request);
        else this.total.onMessage(e.from, e.delivery);
      }
    } finally {
      this.draining = false;
    }
  }

  private layerEnv<Net extends ItuaMessage, Out, T extends ItuaTimer>(
    emit: (out: Out) => void,
  ): LayerEnv<Net, Out, T> {
    const { env, view } = this;
    return {
      self: this.self,
      view,
      crypto: env.crypto,
      log: env.log,
      nodeOf: (rank) => view.members[rank],
      send: (to, m) => {
        const node = view.members[to];
        if (node !== undefined) env.send(node, m);
      },
      broadcast: (m) => env.broadcast(m),
      setTimer: (afterMs, t) => env.setTimer(afterMs, t),
      cancelTimer: (t) => env.cancelTimer(t),
      now: () => env.now(),
      random: () => env.random(),
      emit,
    };
  }
}

export function createItuaStack(
  env: Env<ItuaMessage, ItuaTimer, GroupDelivery>,
  config: StackConfig,
): ItuaStack {
  return new ItuaStack(env, config);
}
