/**
 * One seeded group-communication world (the sibling of sim/world.ts for the ITUA stack): n members
 * running the very stacks that run in production, each with an application that multicasts a
 * seeded workload; a virtual clock; the seeded network (loss, duplication, reordering,
 * partitions that heal at stabilization); crashes; Byzantine members whose frames pass through
 * behaviours; and the checkers, fed every observation the moment it happens. The same seed gives
 * the same run, event for event.
 */
import { codec as makeCodec, type Codec } from '../../codec/frame.js';
import { timerId, type Env, type TimerKey } from '../../core/env.js';
import { replicaIds, type NodeId } from '../../core/ids.js';
import { silentLogger } from '../../core/log.js';
import { SeededRng } from '../../core/rng.js';
import {
  GroupMember,
  groupWireSchema,
  type GroupEvent,
  type GroupWire,
  type SuspectReason,
} from '../../protocols/itua/index.js';
import { makeBehaviour, type Behaviour, type Outgoing } from '../adversaries/index.js';
import { applyBehaviours } from '../adversaries/apply.js';
import type { Violation } from '../checkers/index.js';
import { EventQueue } from '../event-queue.js';
import { NetworkModel } from '../network.js';
import { groupSafetyCheckers, type GroupChecker } from './checkers.js';
import { membershipCheckers } from './membership-checkers.js';
import { groupDefaults, type GroupWorldConfig } from './config.js';
import { appData, type GroupCheckContext, type GroupObservation } from './observations.js';
import { Outcome } from './outcome.js';
import { initialRanks, plannedLeave, planGroupCrashes, requiredExclusions } from './plan.js';
import type {
  GroupInstallation,
  GroupWorldResult,
  GroupWorldStats,
  Member,
  WorldEvent,
} from './world-types.js';

export type { GroupInstallation, GroupWorldResult, GroupWorldStats } from './world-types.js';

const ituaCodec: Codec<GroupWire> = makeCodec(groupWireSchema);

/** A leave planned by plan.ts happens here, before stabilization, while the workload runs. */
const LEAVE_AT_MS = 900;

export class GroupWorld {
  private now = 0;
  private timerGen = 0;
  private readonly queue = new EventQueue<WorldEvent>();
  private readonly members: Member[];
  private readonly ids: NodeId[];
  /** View 0's members in rank order (plan.ts puts leader faults first). */
  private readonly ranks: NodeId[];
  private readonly leaver: NodeId | undefined;
  /** Members no longer in the group: they left, or learnt they were excluded. */
  private readonly gone = new Set<NodeId>();
  private readonly rng: SeededRng;
  private readonly net: NetworkModel;
  private readonly checkers: GroupChecker[] = [...groupSafetyCheckers(), ...membershipCheckers()];
  private readonly outcome: Outcome;
  private readonly crashed = new Set<NodeId>();
  /** Observations held while an application's multicast call runs (see multicastNext). */
  private held: GroupObservation[] | undefined;
  readonly violations: Violation[] = [];
  readonly stats: GroupWorldStats = {
    frames: 0,
    steps: 0,
    dropped: 0,
    decodeRejected: 0,
    forgedRejected: 0,
    multicasts: 0,
    deliveries: 0,
    suspicions: 0,
    crashes: 0,
  };

  constructor(private readonly cfg: GroupWorldConfig) {
    this.rng = new SeededRng(cfg.seed);
    this.ids = replicaIds(cfg.n);
    this.ranks = initialRanks(cfg.byzantine, this.ids);
    this.leaver = plannedLeave(cfg, this.ranks);
    this.net = new NetworkModel(cfg.network, this.rng.fork(), cfg.stableAtMs, this.ids);
    this.members = this.ids.map((id) => this.makeMember(id));
    this.scheduleCrashes();
    this.outcome = new Outcome({
      n: cfg.n,
      isCorrect: (r) => this.isCorrect(r),
      required: requiredExclusions(cfg.byzantine, cfg.guarantee),
    });
  }

  run(): GroupWorldResult {
    for (const m of this.members) m.node.start();
    for (const m of this.members) this.scheduleApp(m);
    if (this.leaver !== undefined) this.queue.push(LEAVE_AT_MS, { t: 'leave', node: this.leaver });
    this.queue.push(groupDefaults.checkEveryMs, { t: 'check' });
    let complete = false;
    while (this.queue.size > 0 && this.violations.length === 0 && !complete) {
      if (this.queue.peekTime() > this.cfg.endMs) break;
      if (this.stats.steps >= this.cfg.eventsMax) {
        this.violate('runaway', `more than ${this.cfg.eventsMax} events by ${Math.round(this.now)} ms`);
        break;
      }
      this.now = this.queue.peekTime();
      const ev = this.queue.pop() as WorldEvent;
      this.stats.steps++;
      complete = this.handle(ev);
    }
    if (this.violations.length === 0) {
      for (const v of this.outcome.finish(this.outcomeContext())) this.violate(v.invariant, v.message);
    }
    return {
      seed: this.cfg.seed,
      violations: this.violations,
      virtualMs: this.now,
      complete,
      stats: { ...this.stats },
      installations: this.installations(),
    };
  }

  /** Installation times of the correct members that are still in the group, averaged per view. */
  private installations(): GroupInstallation[] {
    const byView = new Map<number, { sum: number; count: number; transitional: boolean }>();
    for (const m of this.members) {
      if (!this.isCorrect(m.id) || !this.isUp(m.id)) continue;
      for (const i of m.node.installations) {
        const e = byView.get(i.view) ?? { sum: 0, count: 0, transitional: false };
        e.sum += i.ms;
        e.count++;
        e.transitional ||= i.transitional;
        byView.set(i.view, e);
      }
    }
    return [...byView].map(([view, e]) => ({ view, ms: e.sum / e.count, transitional: e.transitional }));
  }

  /** Runs one event; true when the run is complete. */
  private handle(ev: WorldEvent): boolean {
    switch (ev.t) {
      case 'msg':
        this.deliverFrame(ev);
        return false;
      case 'timer': {
        const m = this.members[ev.node] as Member;
        if (!m.alive || m.timers.get(ev.id) !== ev.gen) return false;
        m.timers.delete(ev.id);
        m.node.onTimer(ev.key);
        return false;
      }
      case 'leave':
        this.observe({ kind: 'leave', member: ev.node });
        this.gone.add(ev.node);
        (this.members[ev.node] as Member).node.leave();
        return false;
      case 'app':
        this.multicastNext(this.members[ev.node] as Member);
        return false;
      case 'crash':
        this.crash(ev.node);
        return false;
      case 'check':
        this.queue.push(this.now + groupDefaults.checkEveryMs, { t: 'check' });
        return this.outcome.isComplete(this.outcomeContext());
    }
  }

  private deliverFrame(ev: Extract<WorldEvent, { t: 'msg' }>): void {
    const m = this.members[ev.to];
    if (m === undefined || !m.alive) {
      this.stats.dropped++;
      return;
    }
    // The channel authenticates its sender: a frame claiming another is refused (a bad MAC over TCP).
    if (ev.claimedFrom !== undefined && ev.claimedFrom !== ev.from) {
      this.stats.forgedRejected++;
      return;
    }
    const decoded = ituaCodec.decode(ev.bytes);
    if (!decoded.ok) {
      this.stats.decodeRejected++;
      return;
    }
    this.stats.frames++;
    m.node.onMessage(ev.from, decoded.value);
  }

  /** What a member sends: through its behaviours if it is Byzantine, then through the network. */
  private route(from: Member, to: NodeId, bytes: Uint8Array): void {
    const out: Outgoing = { to, bytes };
    const outs = from.behaviours.length > 0 ? this.adversary(from, out) : [out];
    for (const out of outs) {
      for (const delay of this.net.deliveries(from.id, out.to, this.now)) {
        const ev: WorldEvent = {
          t: 'msg',
          from: from.id,
          to: out.to,
          bytes: out.bytes,
          claimedFrom: out.claimedFrom,
        };
        this.queue.push(this.now + delay + (out.extraDelayMs ?? 0), ev);
      }
    }
  }

  private adversary(m: Member, out: Outgoing): Outgoing[] {
    const ctx = {
      self: m.id,
      rng: m.rng,
      codec: ituaCodec as Codec<unknown>,
      crypto: this.cfg.cryptoFor(m.id),
      replicas: this.ranks,
      f: this.cfg.f,
      nodes: this.ids,
      now: () => this.now,
      history: m.history,
    };
    return applyBehaviours(m.behaviours, ctx, m.history, out);
  }

  /** The application: multicast the next message when it is due; if the stack refuses, retry soon. */
  private multicastNext(m: Member): void {
    if (!m.alive || m.issued >= m.due.length) return;
    const index = m.issued;
    const payload = new Uint8Array(this.cfg.dataBytes);
    for (let i = 0; i < payload.byteLength; i++) payload[i] = m.rng.int(256);
    const guarantee =
      this.cfg.guarantee === 'mixed' ? (m.rng.int(2) === 0 ? 'fifo' : 'total') : this.cfg.guarantee;
    const data = appData(m.id, index, payload);
    // A stack may deliver inside `multicast` (alone in its view, it needs no one's reply): hold
    // what it outputs until the multicast itself is on record.
    this.held = [];
    const accepted = m.node.multicast(guarantee, data);
    const held = this.held;
    this.held = undefined;
    if (accepted) {
      m.issued++;
      this.stats.multicasts++;
      this.observe({ kind: 'multicast', member: m.id, index, guarantee, data });
      this.scheduleApp(m);
    } else {
      this.queue.push(this.now + groupDefaults.appRetryMs, { t: 'app', node: m.id });
    }
    for (const obs of held) this.observe(obs);
  }

  private scheduleApp(m: Member): void {
    const at = m.due[m.issued];
    if (at !== undefined) this.queue.push(Math.max(this.now, at), { t: 'app', node: m.id });
  }

  private observe(obs: GroupObservation): void {
    if (this.held !== undefined) return void this.held.push(obs);
    if (obs.kind === 'deliver') this.stats.deliveries++;
    if (obs.kind === 'suspect') this.stats.suspicions++;
    const ctx = this.checkContext();
    for (const c of this.checkers) {
      const message = c.observe(obs, ctx);
      if (message !== undefined) this.violate(c.name, message);
    }
    this.outcome.observe(obs);
  }

  private checkContext(): GroupCheckContext {
    return {
      now: this.now,
      step: this.stats.steps,
      isCorrect: (r) => this.isCorrect(r),
      isUp: (r) => this.isUp(r),
      stableAtMs: this.cfg.stableAtMs,
      graceMs: this.cfg.graceMs,
    };
  }

  private outcomeContext() {
    const issuedAll = this.members.every(
      (m) => !this.isCorrect(m.id) || !this.isUp(m.id) || m.issued >= m.due.length,
    );
    return {
      isUp: (r: number) => this.isUp(r),
      issuedAll,
      now: this.now,
      stableAtMs: this.cfg.stableAtMs,
    };
  }

  private isCorrect(r: NodeId): boolean {
    return !this.cfg.byzantine.has(r);
  }

  /** Still in the group: not crashed, not left, not excluded. */
  private isUp(r: NodeId): boolean {
    return !this.crashed.has(r) && !this.gone.has(r);
  }

  private violate(invariant: string, message: string): void {
    this.violations.push({ invariant, message, atMs: this.now, step: this.stats.steps });
  }

  private scheduleCrashes(): void {
    for (const p of planGroupCrashes(this.rng, this.cfg, this.ids))
      this.queue.push(p.atMs, { t: 'crash', node: p.node });
  }

  private crash(id: NodeId): void {
    const m = this.members[id] as Member;
    if (!m.alive) return;
    m.alive = false;
    m.timers.clear();
    this.crashed.add(id);
    this.stats.crashes++;
    this.observe({ kind: 'crash', member: id });
  }

  private makeMember(id: NodeId): Member {
    const behaviours = (this.cfg.byzantine.get(id) ?? [])
      .map((b) => makeBehaviour('itua', b, { slowMs: groupDefaults.slowMs }))
      .filter((b): b is Behaviour => b !== undefined);
    const rng = this.rng.fork();
    const due = Array.from({ length: this.cfg.messages }, () => rng.float() * this.cfg.spanMs).sort(
      (a, b) => a - b,
    );
    const m: Member = {
      id,
      alive: true,
      node: undefined as unknown as GroupMember,
      timers: new Map(),
      rng,
      rate: 0.99 + this.rng.float() * 0.02,
      behaviours,
      history: [],
      due,
      issued: 0,
    };
    m.node = new GroupMember(this.envFor(m), {
      members: this.ranks,
      authorized: this.ids,
      tuning: this.cfg.tuning,
    });
    return m;
  }

  /** What a member tells its application, as observations (senders and members are node ids). */
  private onEvent(m: Member, e: GroupEvent): void {
    if (e.kind === 'deliver') {
      const { sender, seq = 0, guarantee, order, data } = e;
      const delivery = { kind: 'deliver', sender, seq, guarantee, order, data } as const;
      return this.observe({ kind: 'deliver', member: m.id, view: e.view, delivery });
    }
    if (e.kind === 'excluded') {
      this.gone.add(m.id);
      return this.observe({ kind: 'excluded', member: m.id });
    }
    const { id: view, members } = e.view;
    this.observe({ kind: 'view', member: m.id, view, members, left: e.left, transitional: e.transitional });
  }

  private envFor(m: Member): Env<GroupWire, TimerKey, GroupEvent> {
    return {
      self: m.id,
      crypto: this.cfg.cryptoFor(m.id),
      log: silentLogger,
      send: (to, msg) => {
        if (m.alive) this.route(m, to, ituaCodec.encode(msg));
      },
      broadcast: (msg) => {
        if (!m.alive) return;
        const bytes = ituaCodec.encode(msg);
        for (const r of this.ids) if (r !== m.id) this.route(m, r, bytes);
      },
      setTimer: (after, key) => {
        const id = timerId(key);
        // Generations never repeat, so an event of a cancelled or replaced timer can never match.
        const gen = ++this.timerGen;
        m.timers.set(id, gen);
        this.queue.push(this.now + Math.max(0, after) / m.rate, { t: 'timer', node: m.id, id, gen, key });
      },
      cancelTimer: (key) => {
        m.timers.delete(timerId(key));
      },
      now: () => this.now * m.rate,
      random: () => m.rng,
      deliver: (event) => {
        if (m.alive) this.onEvent(m, event);
      },
      suspect: (node, reason) => {
        if (m.alive)
          this.observe({
            kind: 'suspect',
            member: m.id,
            suspect: node,
            code: (reason as SuspectReason).code,
          });
      },
    };
  }
}
