/**
 * One seeded world (DESIGN.md §5): replicas and clients as the very protocol objects that run
 * in production, a virtual clock, the network model, crashes and restarts, Byzantine
 * behaviours on what corrupt nodes send, and the invariant checkers after every step. The same
 * seed gives the same run, event for event.
 */
import { codec as makeCodec, type Codec } from '../codec/frame.js';
import type { Env, Protocol, TimerKey } from '../core/env.js';
import { timerId } from '../core/env.js';
import { CLIENT_ID_MIN, replicaIds, type NodeId } from '../core/ids.js';
import { silentLogger } from '../core/log.js';
import { SeededRng } from '../core/rng.js';
import { ClientCore } from '../smr/client-core.js';
import { wireSchema, type Wire } from '../smr/messages.js';
import type { Observation } from '../smr/observations.js';
import { makeBehaviour, type Behaviour, type Outgoing } from './adversaries/index.js';
import { applyBehaviours } from './adversaries/apply.js';
import { smrCheckers, type Violation } from './checkers/index.js';
import { Referee } from './referee.js';
import type { WorldConfig } from './config.js';
import { EventQueue } from './event-queue.js';
import { planCrashes } from './faults.js';
import { NetworkModel } from './network.js';
import { createInstance } from './node-factory.js';
import { shareRequests, Workload } from './workload.js';
import { adminIdOf, adminStep, switchCheckers, switchEvents } from './switching.js';

type SimEvent =
  | {
      readonly t: 'msg';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly bytes: Uint8Array;
      readonly claimedFrom?: NodeId;
    }
  | {
      readonly t: 'timer';
      /** The node object itself: a restart or a twin is another object, whose timers this is not. */
      readonly node: SimNode;
      readonly id: string;
      readonly gen: number;
      readonly key: TimerKey;
    }
  | { readonly t: 'tick'; readonly client: NodeId }
  | { readonly t: 'admin'; readonly ops: readonly { atMs: number; op: Uint8Array }[] }
  | { readonly t: 'crash'; readonly node: NodeId }
  | { readonly t: 'restart'; readonly node: NodeId };

interface SimNode {
  readonly id: NodeId;
  alive: boolean;
  life: number;
  instance: Protocol<Wire<unknown>>;
  client: ClientCore | undefined;
  timers: Map<string, number>;
  readonly rng: SeededRng;
  /** This node's clock rate (skew): its timers run 1/rate as long in virtual time. */
  readonly rate: number;
  readonly behaviours: readonly Behaviour[];
  readonly history: Outgoing[];
}

export interface WorldStats {
  deliveries: number;
  steps: number;
  dropped: number;
  decodeRejected: number;
  forgedRejected: number;
  suspicions: number;
  /** Checkpoints installed by state transfer (replicas that fell behind or restarted empty). */
  stateInstalls: number;
  crashes: number;
  restarts: number;
}

export interface WorldResult {
  readonly seed: number;
  readonly violations: Violation[];
  readonly requestsCommitted: number;
  readonly requestsInvoked: number;
  readonly virtualMs: number;
  readonly stats: WorldStats;
}

const codecs = new WeakMap<object, Codec<Wire<unknown>>>();

export class World {
  private now = 0;
  private timerGen = 0;
  private readonly tickAt = new Map<NodeId, number>();
  private readonly downSince = new Map<NodeId, number>();
  /** The second copy of each replica run as twins, and which copy each node talks to. */
  private readonly twins = new Map<NodeId, SimNode>();
  private readonly twinSide = new Map<NodeId, number>();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly replicas: NodeId[];
  private readonly clientIds: NodeId[];
  private readonly allIds: NodeId[];
  private readonly codec: Codec<Wire<unknown>>;
  private readonly net: NetworkModel;
  private readonly rng: SeededRng;
  private readonly workload: Workload;
  private readonly referee: Referee;
  /** The administrator of a switching run (switching.ts). */
  private readonly admin: NodeId | undefined;
  readonly stats: WorldStats = {
    deliveries: 0,
    steps: 0,
    dropped: 0,
    decodeRejected: 0,
    forgedRejected: 0,
    suspicions: 0,
    stateInstalls: 0,
    crashes: 0,
    restarts: 0,
  };

  constructor(private readonly cfg: WorldConfig) {
    this.rng = new SeededRng(cfg.seed);
    this.replicas = replicaIds(cfg.n);
    this.clientIds = Array.from({ length: cfg.clients }, (_, i) => CLIENT_ID_MIN + i);
    const sw = cfg.switching;
    this.admin = sw === undefined ? undefined : adminIdOf(cfg.clients);
    this.allIds = [...this.replicas, ...this.clientIds, ...(this.admin === undefined ? [] : [this.admin])];
    this.codec = codecFor(cfg.module);
    this.net = new NetworkModel(cfg.network, this.rng.fork(), cfg.stableAtMs, this.allIds);
    this.workload = new Workload(
      shareRequests(this.clientIds, cfg.requests),
      cfg.requestBytes,
      this.rng.fork(),
      cfg.app,
      cfg.stableAtMs * 1.2,
    );
    const extra = sw === undefined ? [] : switchCheckers(this.admin as NodeId, sw.plan.length);
    this.workload.total += sw?.plan.length ?? 0;
    this.referee = new Referee([...smrCheckers(), ...cfg.app.checkers(), ...extra], this.workload);
    for (const id of this.allIds) this.nodes.set(id, this.makeNode(id));
    for (const [id, behaviours] of cfg.byzantine) {
      if (!behaviours.includes('twins')) continue;
      this.twins.set(id, this.makeNode(id));
      for (const other of this.allIds) this.twinSide.set(other, this.rng.int(2));
    }
  }

  run(): WorldResult {
    for (const node of [...this.nodes.values(), ...this.twins.values()]) node.instance.start();
    this.scheduleCrashes();
    for (const id of this.clientIds) this.topUp(id);
    for (const e of switchEvents(this.cfg, this.replicas)) this.queue.push(e.atMs, e.ev);
    while (this.queue.size > 0 && !this.workload.done && this.referee.violations.length === 0) {
      if (this.queue.peekTime() > this.cfg.deadlineMs) break;
      if (this.stats.steps >= this.cfg.eventsMax) {
        this.violate('runaway', `more than ${this.cfg.eventsMax} events by ${Math.round(this.now)} ms`);
        break;
      }
      this.now = this.queue.peekTime();
      const ev = this.queue.pop() as SimEvent;
      this.stats.steps++;
      this.handle(ev);
    }
    this.finish();
    return {
      seed: this.cfg.seed,
      violations: this.referee.violations,
      requestsCommitted: this.workload.completed,
      requestsInvoked: this.workload.invoked,
      virtualMs: this.now,
      stats: {
        ...this.stats,
        suspicions: this.referee.suspicions,
        stateInstalls: this.referee.stateInstalls,
      },
    };
  }

  private handle(ev: SimEvent): void {
    switch (ev.t) {
      case 'msg':
        return this.deliverMessage(ev);
      case 'timer': {
        const node = ev.node;
        if (!node.alive || node.timers.get(ev.id) !== ev.gen) return;
        node.timers.delete(ev.id);
        return node.instance.onTimer(ev.key);
      }
      case 'tick':
        return this.topUp(ev.client);
      case 'admin': {
        const next = adminStep(ev, this.now, this.nodes.get(this.admin as NodeId)?.client);
        if (next !== undefined) this.queue.push(next.atMs, next.ev);
        return;
      }
      case 'crash':
        return this.crash(ev.node);
      case 'restart':
        return this.restart(ev.node);
    }
  }

  private deliverMessage(ev: Extract<SimEvent, { t: 'msg' }>): void {
    const twin = this.twins.get(ev.to);
    // Twins: each other node talks to one of the two copies, chosen once per seed.
    const node = twin !== undefined && this.twinSide.get(ev.from) === 1 ? twin : this.nodes.get(ev.to);
    if (node === undefined || !node.alive) {
      this.stats.dropped++;
      return;
    }
    // The channel authenticates its sender: a frame claiming another is refused (a bad MAC over TCP).
    if (ev.claimedFrom !== undefined && ev.claimedFrom !== ev.from) {
      this.stats.forgedRejected++;
      return;
    }
    const decoded = this.codec.decode(ev.bytes);
    if (!decoded.ok) {
      this.stats.decodeRejected++;
      return;
    }
    this.stats.deliveries++;
    node.instance.onMessage(ev.from, decoded.value);
  }

  /** What a node sends: through its behaviours if it is Byzantine, then through the network. */
  private route(from: SimNode, to: NodeId, bytes: Uint8Array): void {
    const out: Outgoing = { to, bytes };
    const outs = from.behaviours.length > 0 ? this.adversary(from, out) : [out];
    for (const out of outs) {
      for (const delay of this.net.deliveries(from.id, out.to, this.now)) {
        const ev: SimEvent = {
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

  private adversary(node: SimNode, out: Outgoing): Outgoing[] {
    const ctx = {
      self: node.id,
      rng: node.rng,
      codec: this.codec as Codec<unknown>,
      crypto: this.cfg.cryptoFor(node.id),
      replicas: this.replicas,
      f: this.cfg.f,
      nodes: this.allIds,
      now: () => this.now,
      history: node.history,
    };
    return applyBehaviours(node.behaviours, ctx, node.history, out);
  }

  private observe(obs: Observation): void {
    this.referee.observe(obs, this.checkContext());
    if (obs.kind === 'completed' || obs.kind === 'failed') this.topUp(obs.client);
  }

  /** Issue what is due, then wake up when the next request falls due. */
  private topUp(client: NodeId): void {
    const node = this.nodes.get(client);
    if (node?.client === undefined || !node.alive) return;
    this.workload.fill(client, node.client, this.cfg.outstanding, this.now);
    const next = this.workload.nextDueMs(client);
    // One wake-up per client and due time: completions would otherwise each schedule another.
    if (next === undefined || next <= this.now || this.tickAt.get(client) === next) return;
    this.tickAt.set(client, next);
    this.queue.push(next, { t: 'tick', client });
  }

  private finish(): void {
    this.referee.finish({
      ...this.checkContext(),
      stableAtMs: this.cfg.stableAtMs,
      down: [...this.downSince].map(([node, sinceMs]) => ({ node, sinceMs })),
    });
  }

  private checkContext() {
    return {
      now: this.now,
      step: this.stats.steps,
      isCorrect: (node: NodeId) => !this.cfg.byzantine.has(node),
      incarnation: (node: NodeId) => this.nodes.get(node)?.life ?? 0,
    };
  }

  private violate(invariant: string, message: string): void {
    this.referee.violate(invariant, message, { now: this.now, step: this.stats.steps });
  }

  private scheduleCrashes(): void {
    const restarts = this.cfg.module.recoversFromAmnesia;
    const byzCrash = [...this.cfg.byzantine].filter(([, bs]) => bs.includes('crash')).map(([id]) => id);
    const plans = planCrashes(this.rng, byzCrash, byzCrash.length, this.cfg.stableAtMs, restarts);
    if (this.cfg.crashes) {
      const correct = this.replicas.filter((r) => !this.cfg.byzantine.has(r));
      const budget = Math.max(1, this.cfg.f - this.cfg.byzantine.size);
      plans.push(...planCrashes(this.rng, correct, budget, this.cfg.stableAtMs, restarts));
    }
    for (const p of plans) {
      this.queue.push(p.atMs, { t: 'crash', node: p.node });
      if (p.restartAtMs !== undefined) this.queue.push(p.restartAtMs, { t: 'restart', node: p.node });
    }
  }

  private crash(id: NodeId): void {
    const node = this.nodes.get(id) as SimNode;
    if (!node.alive) return;
    node.alive = false;
    node.timers.clear();
    this.downSince.set(id, this.now);
    this.stats.crashes++;
  }

  /** A restart is a new process: no memory of the old one's state (amnesia), a fresh life. */
  private restart(id: NodeId): void {
    const node = this.nodes.get(id) as SimNode;
    if (node.alive) return;
    const fresh = this.makeNode(id, node.life + 1);
    this.downSince.delete(id);
    this.nodes.set(id, fresh);
    this.stats.restarts++;
    fresh.instance.start();
  }

  private makeNode(id: NodeId, life = 0): SimNode {
    const behaviours = (this.cfg.byzantine.get(id) ?? [])
      .map((b) => makeBehaviour(this.cfg.module.name, b, { slowMs: this.cfg.clientRetryMs * 2 }))
      .filter((b): b is Behaviour => b !== undefined);
    const node: SimNode = {
      id,
      alive: true,
      life,
      instance: undefined as unknown as Protocol<Wire<unknown>>,
      client: undefined,
      timers: new Map(),
      rng: this.rng.fork(),
      rate: 0.99 + this.rng.float() * 0.02,
      behaviours,
      history: [],
    };
    const env = this.envFor(node);
    node.instance = createInstance(env, id, life, this.cfg, this.replicas);
    if (node.instance instanceof ClientCore) node.client = node.instance;
    return node;
  }

  private isCurrent(node: SimNode): boolean {
    return node.alive && (this.nodes.get(node.id) === node || this.twins.get(node.id) === node);
  }

  private envFor(node: SimNode): Env<Wire<unknown>, TimerKey, Observation> {
    const crypto = this.cfg.cryptoFor(node.id);
    return {
      self: node.id,
      crypto,
      log: silentLogger,
      send: (to, msg) => {
        if (this.isCurrent(node)) this.route(node, to, this.codec.encode(msg));
      },
      broadcast: (msg) => {
        if (!this.isCurrent(node)) return;
        const bytes = this.codec.encode(msg);
        for (const r of this.replicas) if (r !== node.id) this.route(node, r, bytes);
      },
      setTimer: (after, key) => {
        const id = timerId(key);
        // Generations never repeat, so an event of a cancelled or replaced timer can never match.
        const gen = ++this.timerGen;
        node.timers.set(id, gen);
        this.queue.push(this.now + Math.max(0, after) / node.rate, { t: 'timer', node, id, gen, key });
      },
      cancelTimer: (key) => {
        node.timers.delete(timerId(key));
      },
      now: () => this.now * node.rate,
      random: () => node.rng,
      deliver: (obs) => this.observe(obs),
      suspect: () => {},
    };
  }
}

function codecFor(module: object & { schema: unknown }): Codec<Wire<unknown>> {
  let c = codecs.get(module);
  if (c === undefined) {
    c = makeCodec(wireSchema((module as { schema: Parameters<typeof wireSchema>[0] }).schema)) as Codec<
      Wire<unknown>
    >;
    codecs.set(module, c);
  }
  return c;
}
