/**
 * Runs one pure node (a replica or a client) in a real process: its Env maps timers to real
 * timers, time to the monotonic clock, messages to frames on a Transport. This is the only
 * place where protocol objects meet the operating system, and it mirrors what the simulator
 * does with virtual time, so the same objects run in both.
 */
import { randomBytes } from 'node:crypto';
import type { Codec } from '../codec/frame.js';
import type { CryptoSuite } from '../core/crypto-suite.js';
import { timerId, type Env, type Logger, type Protocol, type TimerKey } from '../core/env.js';
import type { NodeId } from '../core/ids.js';
import { SeededRng } from '../core/rng.js';
import type { Transport } from '../net/transport.js';
import { applyBehaviours } from '../sim/adversaries/apply.js';
import type { AdversaryContext, Behaviour, Outgoing } from '../sim/adversaries/index.js';

export interface HostCounters {
  framesIn: number;
  framesOut: number;
  decodeRejected: number;
  sendDropped: number;
  suspicions: number;
}

export interface NodeHostOptions<M, D> {
  readonly self: NodeId;
  readonly transport: Transport;
  readonly codec: Codec<M>;
  readonly crypto: CryptoSuite;
  readonly log: Logger;
  /** Where `broadcast` goes: the other replicas. */
  readonly group: readonly NodeId[];
  /** What the node delivers at the top (observations, for the process that hosts it). */
  readonly onDeliver: (delivery: D) => void;
}

export class NodeHost<M, D> {
  /** Suspicions this node raised, by suspect and evidence code ("2:BAD_DIGEST" → count). */
  readonly suspicionsBy = new Map<string, number>();
  readonly counters: HostCounters = {
    framesIn: 0,
    framesOut: 0,
    decodeRejected: 0,
    sendDropped: 0,
    suspicions: 0,
  };
  private readonly timers = new Map<string, { timeout?: NodeJS.Timeout; zero?: TimerKey }>();
  /**
   * Zero-delay timers fire together in one setImmediate, which is scheduled as soon as frames
   * come in: before the transport's own flush (also a setImmediate, scheduled when something is
   * sent), so what a zero timer sends leaves with the same flush, not one loop turn later.
   */
  private zeroImmediate: NodeJS.Immediate | undefined;
  /** The ids of the zero-delay timers set (the timers map holds every timer: not walked for these). */
  private readonly zeroIds = new Set<string>();
  private readonly rng = new SeededRng(randomBytes(4).readUInt32LE(0));
  private readonly epoch = performance.now();
  private node: Protocol<M> | undefined;
  private closed = false;
  /** Injected faults (demo and fault-injection tests): the simulator's behaviours on real frames. */
  private behaviours: readonly Behaviour[] = [];
  private adversary: AdversaryContext | undefined;
  private readonly history: Outgoing[] = [];

  constructor(private readonly opts: NodeHostOptions<M, D>) {}

  /** The Env to build the node with; call `run(node)` after. */
  env(): Env<M, TimerKey, D> {
    const o = this.opts;
    return {
      self: o.self,
      crypto: o.crypto,
      log: o.log,
      send: (to, msg) => this.sendFrame(to, o.codec.encode(msg)),
      broadcast: (msg) => {
        const frame = o.codec.encode(msg);
        for (const peer of o.group) if (peer !== o.self) this.sendFrame(peer, frame);
      },
      setTimer: (after, key) => this.setTimer(after, key),
      cancelTimer: (key) => this.clearTimer(timerId(key)),
      now: () => performance.now() - this.epoch,
      random: () => this.rng,
      deliver: (d) => o.onDeliver(d),
      suspect: (node, evidence) => {
        this.counters.suspicions++;
        const key = `${node}:${evidence.code}`;
        this.suspicionsBy.set(key, (this.suspicionsBy.get(key) ?? 0) + 1);
        o.log.log('warn', 'suspect', { node, code: evidence.code, detail: evidence.detail });
      },
    };
  }

  /** Wire the node to the transport and start it. */
  async run(node: Protocol<M>): Promise<void> {
    this.node = node;
    this.opts.transport.onFrame((from, frame) => this.onFrame(from, frame));
    await this.opts.transport.start();
    node.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    await this.opts.transport.close();
  }

  private onFrame(from: NodeId, frame: Uint8Array): void {
    if (this.closed || this.node === undefined) return;
    this.counters.framesIn++;
    this.armZero();
    const decoded = this.opts.codec.decode(frame);
    if (!decoded.ok) {
      // The channel authenticated `from`: a malformed frame is that peer's doing, so it is logged against it.
      this.counters.decodeRejected++;
      this.opts.log.log('warn', 'frame-rejected', {
        from,
        code: decoded.error.code,
        where: decoded.error.where,
      });
      return;
    }
    this.node.onMessage(from, decoded.value);
  }

  /**
   * Make this node Byzantine on purpose: every frame it sends passes through these behaviours,
   * exactly as a corrupt node's frames do in the simulator. An empty list makes it correct again.
   */
  injectFaults(
    behaviours: readonly Behaviour[],
    context: Omit<AdversaryContext, 'history' | 'now' | 'rng'>,
  ): void {
    this.behaviours = behaviours;
    this.adversary = {
      ...context,
      history: this.history,
      now: () => performance.now() - this.epoch,
      rng: this.rng,
    };
  }

  get injectedFaults(): readonly string[] {
    return this.behaviours.map((b) => b.name);
  }

  private sendFrame(to: NodeId, frame: Uint8Array): void {
    if (this.closed) return;
    if (this.behaviours.length > 0 && this.adversary !== undefined) return this.sendFaulty(to, frame);
    this.sendOne(to, frame);
  }

  private sendFaulty(to: NodeId, frame: Uint8Array): void {
    const outs = applyBehaviours(this.behaviours, this.adversary as AdversaryContext, this.history, {
      to,
      bytes: frame,
    });
    for (const o of outs) {
      // A forged sender cannot be expressed on an authenticated channel: such frames are simply not sent.
      if (o.claimedFrom !== undefined) continue;
      const delay = o.extraDelayMs ?? 0;
      if (delay > 0) setTimeout(() => this.sendOne(o.to, o.bytes), delay).unref();
      else this.sendOne(o.to, o.bytes);
    }
  }

  private sendOne(to: NodeId, frame: Uint8Array): void {
    if (this.closed) return;
    if (to === this.opts.self) {
      // A node may address itself; it never goes through a socket.
      queueMicrotask(() => this.onFrame(to, frame));
      return;
    }
    this.counters.framesOut++;
    if (this.opts.transport.send(to, frame) !== 'queued') this.counters.sendDropped++;
  }

  private setTimer(afterMs: number, key: TimerKey): void {
    if (this.closed) return;
    const id = timerId(key);
    this.clearTimer(id);
    const fire = () => {
      this.timers.delete(id);
      if (!this.closed) this.node?.onTimer(key);
    };
    // A zero delay means "after the events already queued" (a batch flush): setTimeout(0) would
    // wait at least a millisecond; zero timers run right after pending I/O callbacks (armZero).
    if (afterMs > 0) return void this.timers.set(id, { timeout: setTimeout(fire, afterMs) });
    this.timers.set(id, { zero: key });
    this.zeroIds.add(id);
    this.armZero();
  }

  private armZero(): void {
    if (this.zeroImmediate !== undefined) return;
    this.zeroImmediate = setImmediate(() => {
      this.zeroImmediate = undefined;
      const due: [string, TimerKey][] = [];
      for (const id of this.zeroIds) {
        const key = this.timers.get(id)?.zero;
        if (key !== undefined) due.push([id, key]);
      }
      this.zeroIds.clear();
      for (const [id, key] of due) {
        // A timer cleared or set again by one that fired before it is not this one any more.
        if (this.timers.get(id)?.zero !== key) continue;
        this.timers.delete(id);
        if (!this.closed) this.node?.onTimer(key);
      }
    });
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    if (t.timeout !== undefined) clearTimeout(t.timeout);
    this.zeroIds.delete(id);
    this.timers.delete(id);
  }
}
