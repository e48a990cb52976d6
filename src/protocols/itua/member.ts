/**
 * An ITUA group member (seed 003): one ItuaStack per view (reliable multicast, Stable, born-order
 * total order) and, around it, the membership layer that suspects, agrees on and installs the
 * next view (membership/agreement.ts), stabilizes the old view's messages so that the members
 * that move on together delivered the same set (view synchrony), and admits joiners one at a
 * time (membership/join.ts). It implements the contract of group-api.ts: what it tells its
 * application leaves through `env.deliver` as GroupEvents, with node ids, never ranks.
 *
 * When a view changes, the old stack stays until the next change, so members that lag behind can
 * still fetch the old view's messages from this one; its deliveries and suspicions no longer count.
 */
import type { Env, Protocol, TimerKey } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { GroupEvent, GroupMemberApi, GroupMemberConfig, GroupView } from './group-api.js';
import { TIMEOUT_CODES, type Rank, type SuspectCode, type SuspectReason, type ViewInfo } from './layer.js';
import { ViewAgreement, type AgreementHost, type Decision } from './membership/agreement.js';
import { JoinDesk, Welcomes, welcome } from './membership/join.js';
import type { GroupWire, JoinMessage, MembershipMessage, WelcomeMessage } from './membership/messages.js';
import { resolveMembershipTuning, type MembershipTimer, type MembershipTuning } from './membership/timers.js';
import type { ItuaMessage } from './messages.js';
import { ItuaStack, viewInfo } from './stack.js';
import type { ItuaTimer } from './timers.js';
import type { GroupDelivery, Guarantee } from './total.js';

export type GroupTimer = ItuaTimer | MembershipTimer | { readonly kind: 'gm.drain' };

/**
 * Stack frames wait for a zero timer and are handled a few at a time, membership frames at once:
 * under load a view installation's messages do not queue behind a burst of multicasts' signature
 * checks. Beyond QUEUE_MAX waiting, frames are handled at once (the queue never grows unbounded).
 */
const DRAIN_MAX = 16;
const QUEUE_MAX = 4_096;

/** One installed view: its stack and its membership agreement. */
interface Epoch {
  view: ViewInfo;
  /** When this member installed the view. */
  startedAt: number;
  self: Rank;
  stack: ItuaStack;
  agreement: ViewAgreement;
  /** When this member last sent something to the whole view (any layer): it shows it alive. */
  lastBroadcastAt: number;
  /** Nodes heard from in this view or a later one: they lag behind no more. */
  movedOn: Set<NodeId>;
}

/** How often a member answers one lagging member's messages of an earlier view at most. */
const STALE_ANSWER_MS = 100;

/** Earlier views whose stacks and last messages a member keeps for those that lag behind. */
const PAST_VIEWS_MAX = 4;

export class GroupMember implements Protocol<GroupWire, TimerKey>, GroupMemberApi {
  private current: Epoch | undefined;
  /**
   * The last few views before this one, newest last: a member that lags behind fetches their
   * messages and learns how they ended from them (bounded by PAST_VIEWS_MAX).
   */
  private readonly past: Epoch[] = [];
  private frozen = false;
  private leaving = false;
  /** Removed from the group (a leaver may still answer in its last view, see exclude). */
  private gone = false;
  private readonly excludedNodes = new Set<NodeId>();
  /** Evidence-based suspicions, carried into later views until the member is removed. */
  private readonly carried = new Map<NodeId, SuspectCode>();
  /** My multicasts not yet delivered back to me: resent in the next view if the cut left them out. */
  private pending: { guarantee: Guarantee; data: Uint8Array }[] = [];
  private readonly joins: JoinDesk;
  private readonly welcomes: Welcomes;
  private readonly staleAnsweredAt = new Map<NodeId, number>();
  /** When each member of my view was last heard from in an earlier view (it is catching up). */
  private readonly laggingAt = new Map<NodeId, number>();
  private readonly gmTuning: MembershipTuning;
  private readonly stackQueue: { epoch: Epoch; from: NodeId; m: ItuaMessage }[] = [];
  private drainArmed = false;
  /** Virtual (or monotonic) ms from the start of each installation to the view it installed. */
  readonly installations: { readonly view: number; readonly ms: number; readonly transitional: boolean }[] =
    [];

  constructor(
    private readonly env: Env<GroupWire, TimerKey, GroupEvent>,
    private readonly config: GroupMemberConfig,
  ) {
    this.gmTuning = resolveMembershipTuning(config.tuning);
    this.joins = new JoinDesk(env.crypto, new Set(config.authorized), this.excludedNodes);
    this.welcomes = new Welcomes(env.crypto, env.self);
  }

  start(): void {
    if (this.config.joining) return this.onJoinTick();
    this.install(0, this.config.members, { transitional: false, joined: [], left: [] });
  }

  onMessage(from: NodeId, m: GroupWire): void {
    if (m.kind === 'gm-join') return this.onJoin(from, m);
    if (m.kind === 'gm-welcome') return this.onWelcome(from, m);
    const cur = this.current;
    if (cur === undefined) return;
    // A member of my view is alive whatever view it speaks of: ahead of me, or still catching up.
    const rank = cur.view.members.indexOf(from);
    if (rank >= 0 && m.view !== cur.view.id) cur.agreement.heardFrom(rank);
    if (rank >= 0 && m.view < cur.view.id) this.laggingAt.set(from, this.env.now());
    if (m.view >= cur.view.id) cur.movedOn.add(from);
    const prev = this.past.find((e) => e.view.id === m.view);
    if (prev !== undefined && prev.view.members.includes(from)) {
      // A member still in an earlier view (even one removed since, so that it learns) is shown
      // how that view ended, whatever it says there (a member the Commit retired may have no
      // membership message left to repeat), and may fetch that view's messages from its stack here.
      this.answerStale(from, prev);
      if (!isMembership(m)) prev.stack.onMessage(from, m);
      return;
    }
    // A removed member is refused from then on.
    if (this.excludedNodes.has(from)) return;
    if (m.view !== cur.view.id || rank < 0 || rank === cur.self) return;
    if (isMembership(m)) cur.agreement.onMessage(rank, m);
    else {
      cur.agreement.heardFrom(rank);
      // A member I hold evidence against is on its way out: its stack frames cost checks and
      // bring nothing its peers cannot resend (what the cut needs is fetched from them).
      if (this.carried.has(from)) return;
      if (this.stackQueue.length < QUEUE_MAX) return this.enqueue(cur, from, m);
      cur.stack.onMessage(from, m);
    }
    cur.agreement.progress();
  }

  private enqueue(epoch: Epoch, from: NodeId, m: ItuaMessage): void {
    this.stackQueue.push({ epoch, from, m });
    this.armDrain();
  }

  private armDrain(): void {
    if (this.drainArmed || this.stackQueue.length === 0) return;
    this.drainArmed = true;
    this.env.setTimer(0, { kind: 'gm.drain' });
  }

  /** A few waiting stack frames, in arrival order (to the stack of the view they came in). */
  private drain(): void {
    this.drainArmed = false;
    for (const { epoch, from, m } of this.stackQueue.splice(0, DRAIN_MAX)) {
      epoch.stack.onMessage(from, m);
      if (epoch === this.current) epoch.agreement.progress();
    }
    this.armDrain();
  }

  onTimer(key: TimerKey): void {
    const t = key as GroupTimer;
    if (t.kind === 'gm.join') return this.onJoinTick();
    if (t.kind === 'gm.drain') return this.drain();
    const cur = this.current;
    if (t.kind.startsWith('gm.')) {
      if (cur !== undefined && t.view === cur.view.id) cur.agreement.onTimer(t as MembershipTimer);
      return;
    }
    // Only the current view's stack keeps time: earlier ones and a removed member's only answer.
    const it = t as ItuaTimer;
    if (cur !== undefined && it.view === cur.view.id && !this.gone) cur.stack.onTimer(it);
  }

  multicast(guarantee: Guarantee, data: Uint8Array): boolean {
    const cur = this.current;
    if (this.gone || cur === undefined || this.frozen) return false;
    // Recorded first: alone in its view, a stack delivers inside `multicast`.
    this.pending.push({ guarantee, data });
    if (cur.stack.multicast(guarantee, data)) return true;
    this.pending.pop();
    return false;
  }

  leave(): void {
    if (this.gone || this.leaving) return;
    this.leaving = true;
    const cur = this.current;
    if (cur !== undefined) cur.agreement.suspect(cur.self, 'LEFT', 'asked to leave');
  }

  currentView(): GroupView | undefined {
    const cur = this.current;
    if (this.gone || cur === undefined) return undefined;
    return { id: cur.view.id, members: cur.view.members };
  }

  /** The stack of the current view (for operators and tests). */
  stack(): ItuaStack | undefined {
    return this.current?.stack;
  }

  // ---- views -------------------------------------------------------------------------------

  private install(
    id: number,
    members: readonly NodeId[],
    delta: { transitional: boolean; joined: NodeId[]; left: NodeId[]; installMs?: number },
  ): void {
    const self = members.indexOf(this.env.self);
    const epoch = {
      view: viewInfo(id, members),
      self,
      startedAt: this.env.now(),
      lastBroadcastAt: -Infinity,
      movedOn: new Set<NodeId>(),
    } as Epoch;
    const { tuning } = this.config;
    const roundTrip = this.current?.stack.roundTrip;
    epoch.stack = new ItuaStack(this.stackEnv(epoch), { view: id, members, tuning, roundTrip });
    epoch.agreement = new ViewAgreement(this.host(epoch));
    this.current = epoch;
    this.frozen = false;
    epoch.stack.start();
    epoch.agreement.start();
    this.env.deliver({ kind: 'view', view: { id, members: [...members] }, ...delta });
    const leftovers = this.pending;
    this.pending = [];
    for (const p of leftovers) this.multicast(p.guarantee, p.data);
    for (const [node, code] of this.carried) {
      const r = members.indexOf(node);
      if (r >= 0 && node !== this.env.self) epoch.agreement.suspect(r, code, 'carried from an earlier view');
    }
    if (this.leaving) epoch.agreement.suspect(epoch.self, 'LEFT', 'asked to leave');
  }

  /** The agreement decided: deliver up to the cut in this view, then install the next one. */
  private decide(epoch: Epoch, d: Decision): void {
    if (epoch !== this.current) return;
    const { view } = epoch;
    epoch.stack.flush(d.cut);
    const next = d.proposal.kept.map((r) => view.members[r] as NodeId);
    const joiner = d.proposal.joiner;
    if (joiner !== undefined) {
      next.push(joiner);
      this.joins.admitted(joiner);
    }
    const left = view.members.filter((n) => !next.includes(n));
    for (const n of left) {
      this.excludedNodes.add(n);
      this.carried.delete(n);
    }
    const installMs = this.env.now() - d.startedAtMs;
    this.installations.push({ view: view.id + 1, ms: installMs, transitional: d.transitional });
    this.past.push(epoch);
    if (this.past.length > PAST_VIEWS_MAX) this.past.shift();
    const joined = joiner === undefined ? [] : [joiner];
    this.install(view.id + 1, next, { transitional: d.transitional, joined, left, installMs });
    if (joiner !== undefined) this.env.send(joiner, welcome(this.env.crypto, view.id + 1, next));
  }

  /**
   * Timeouts of the stack that say nothing about the member: once this view is ending (frozen),
   * nobody sends it more, and the installation's own timers judge the members; and a member still
   * finishing the previous view (heard from in it) has not sent this view's stability arrays yet:
   * it gets a short while to catch up, bounded so that a corrupt member cannot hide behind an old
   * view for long (its heartbeats still judge it).
   */
  private excuses(epoch: Epoch, node: NodeId, code: SuspectCode): boolean {
    if (!TIMEOUT_CODES.has(code)) return false;
    if (this.frozen) return true;
    // Only the missing stability arrays: a stalled order is judged on what the member sent here.
    if (code !== 'STABILITY_TIMEOUT') return false;
    const now = this.env.now();
    const lagging = this.laggingAt.get(node);
    const catchUpMs = 2 * this.gmTuning.stabilizeTimeoutMs;
    return (
      lagging !== undefined &&
      now - lagging < this.gmTuning.heartbeatTimeoutMs &&
      now - epoch.startedAt < catchUpMs
    );
  }

  private exclude(epoch: Epoch, reason: string): void {
    if (epoch !== this.current || this.gone) return;
    // It goes on acknowledging in its last view (agreement.ts); its application is done.
    this.gone = true;
    this.env.deliver({ kind: 'excluded', view: epoch.view.id, reason });
  }

  /** A member still in an earlier view (not heard from in mine since) is shown how it ended here. */
  private answerStale(from: NodeId, prev: Epoch): void {
    if (this.current?.movedOn.has(from) === true) return;
    const now = this.env.now();
    const last = this.staleAnsweredAt.get(from);
    if (last !== undefined && now - last < STALE_ANSWER_MS) return;
    this.staleAnsweredAt.set(from, now);
    for (const m of prev.agreement.closing()) this.env.send(from, m);
  }

  // ---- joins -------------------------------------------------------------------------------

  private onJoinTick(): void {
    if (this.current !== undefined || this.gone) return;
    this.env.broadcast(this.welcomes.request());
    this.env.setTimer(this.gmTuning.joinRetryMs, { kind: 'gm.join' });
  }

  private onJoin(from: NodeId, m: JoinMessage): void {
    const cur = this.current;
    if (cur === undefined || this.excludedNodes.has(from)) return;
    // Admitted already, its welcome was lost: say it again.
    if (cur.view.members.includes(from)) {
      return this.env.send(from, welcome(this.env.crypto, cur.view.id, cur.view.members));
    }
    if (this.joins.onRequest(from, m)) cur.agreement.poke();
  }

  private onWelcome(from: NodeId, m: WelcomeMessage): void {
    if (this.current !== undefined || !this.config.joining) return;
    const v = this.welcomes.onWelcome(from, m);
    if (v !== undefined)
      this.install(v.id, v.members, { transitional: false, joined: [this.env.self], left: [] });
  }

  // ---- wiring ------------------------------------------------------------------------------

  private toView(epoch: Epoch, m: GroupWire): void {
    epoch.lastBroadcastAt = this.env.now();
    for (const node of epoch.view.members) if (node !== this.env.self) this.env.send(node, m);
  }

  private stackEnv(epoch: Epoch): Env<ItuaMessage, ItuaTimer, GroupDelivery> {
    const { env } = this;
    return {
      self: env.self,
      crypto: env.crypto,
      log: env.log,
      send: (to, m) => env.send(to, m),
      broadcast: (m) => this.toView(epoch, m),
      setTimer: (afterMs, t) => env.setTimer(afterMs, t),
      cancelTimer: (t) => env.cancelTimer(t),
      now: () => env.now(),
      random: () => env.random(),
      deliver: (d) => this.onDelivery(epoch, d),
      suspect: (node, evidence) => {
        const r = epoch.view.members.indexOf(node);
        const reason = evidence as SuspectReason;
        if (epoch !== this.current || r < 0 || this.excuses(epoch, node, reason.code)) return;
        epoch.agreement.suspect(r, reason.code, reason.detail ?? '');
      },
    };
  }

  private onDelivery(epoch: Epoch, d: GroupDelivery): void {
    if (epoch !== this.current || this.gone) return;
    const sender = epoch.view.members[d.sender] as NodeId;
    if (sender === this.env.self) this.pending.shift();
    this.env.deliver({
      kind: 'deliver',
      view: epoch.view.id,
      sender,
      guarantee: d.guarantee,
      data: d.data,
      seq: d.seq,
      order: d.order,
    });
  }

  private host(epoch: Epoch): AgreementHost {
    const { env } = this;
    const members = epoch.view.members;
    return {
      view: epoch.view,
      self: epoch.self,
      crypto: env.crypto,
      tuning: this.gmTuning,
      send: (to, m) => {
        const node = members[to];
        if (node !== undefined) env.send(node, m);
      },
      broadcast: (m) => this.toView(epoch, m),
      lastBroadcastAt: () => epoch.lastBroadcastAt,
      setTimer: (afterMs, t) => env.setTimer(afterMs, t),
      cancelTimer: (t) => env.cancelTimer(t),
      now: () => env.now(),
      reportSuspect: (rank, code, detail) => {
        const node = members[rank] as NodeId;
        if (!TIMEOUT_CODES.has(code)) this.carried.set(node, code);
        env.suspect(node, { code, detail, rank } as SuspectReason);
      },
      counts: () => epoch.stack.deliveredCounts(),
      freeze: () => {
        if (epoch !== this.current) return;
        this.frozen = true;
        epoch.stack.block();
      },
      expect: (rank, counts) => epoch.stack.expect(rank, counts),
      decide: (d) => this.decide(epoch, d),
      excluded: (reason) => this.exclude(epoch, reason),
      joiner: () => this.joins.next(members),
      canAdmit: (node) => this.joins.canAdmit(node),
    };
  }
}

function isMembership(m: GroupWire): m is MembershipMessage {
  return m.kind.startsWith('gm-');
}
