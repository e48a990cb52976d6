/**
 * A replica of a service: one ordering protocol below, the executor and reply cache above, and
 * the wire envelope around both. Pure, like the protocol it wraps: it acts only through its
 * Env, so the simulator and the TCP runtime drive the very same object.
 */
import type {
  ClientRequest,
  Env,
  OrderedBatch,
  OrderingDelivery,
  OrderingProtocol,
  Protocol,
  ProtocolConfig,
  TimerKey,
} from '../core/env.js';
import type { NodeId } from '../core/ids.js';
import type { ProtocolModule } from '../protocols/module.js';
import { Executor } from './executor.js';
import type { Wire, WireRequest } from './messages.js';
import type { Observation } from './observations.js';
import type { Service } from './service.js';

/** Protocol timers travel under this prefix, so the node's own timers can never collide with them. */
const PROTOCOL_TIMER = 'p.';

export interface ReplicaNodeOptions<M> {
  readonly module: ProtocolModule<M>;
  readonly config: ProtocolConfig;
  readonly service: Service;
  /** Outstanding requests per client that the reply cache tracks (smr/reply-cache.ts). */
  readonly clientWindowMax: number;
  /** Digest the state every this many batches and hand it to the protocol (0: never). */
  readonly checkpointInterval: number;
}

export class ReplicaNode<M> implements Protocol<Wire<M>> {
  readonly protocol: OrderingProtocol<M>;
  readonly executor: Executor;
  private readonly opts: ReplicaNodeOptions<M>;

  constructor(
    private readonly env: Env<Wire<M>, TimerKey, Observation>,
    opts: ReplicaNodeOptions<M>,
  ) {
    this.opts = opts;
    this.executor = new Executor(opts.service, opts.clientWindowMax);
    this.protocol = opts.module.create(this.protocolEnv(), opts.config);
  }

  start(): void {
    this.protocol.start();
  }

  onMessage(from: NodeId, message: Wire<M>): void {
    switch (message.kind) {
      case 'proto':
        return this.protocol.onMessage(from, message.msg);
      case 'request':
        return this.onRequest(from, message);
      case 'reply':
        // Replicas do not take replies; a peer that sends one is ignored, not trusted.
        return;
    }
  }

  onTimer(timer: TimerKey): void {
    if (timer.kind.startsWith(PROTOCOL_TIMER)) {
      this.protocol.onTimer({ ...timer, kind: timer.kind.slice(PROTOCOL_TIMER.length) });
    }
  }

  /** A client's request: answer from the cache if it was executed, else hand it to ordering. */
  private onRequest(from: NodeId, m: WireRequest): void {
    // The channel authenticated `from`; a request in another client's name is refused.
    if (m.client !== from || m.lowWater >= m.requestId) return;
    if (this.opts.config.role === 'passive') return;
    const cached = this.executor.cache.lookup(m.client, m.requestId);
    if (cached.state === 'done') {
      if (cached.result !== undefined) this.reply(m.client, m.requestId, cached.result);
      return;
    }
    if (cached.state === 'beyond') return;
    const request: ClientRequest = {
      client: m.client,
      requestId: m.requestId,
      lowWater: m.lowWater,
      readOnly: m.readOnly,
      op: m.op,
    };
    this.protocol.submit(request);
  }

  private onDelivery(d: OrderingDelivery): void {
    switch (d.kind) {
      case 'batch':
        return this.onBatch(d);
      case 'checkpoint-stable':
        return this.onCheckpointStable(d.seq);
      case 'state-needed':
        return this.onStateNeeded(d.seq, d.sources);
    }
  }

  /** Checkpoints below a stable one are never needed again (the state transfer work keeps them). */
  private onCheckpointStable(seq: number): void {
    this.env.log.log('debug', 'checkpoint-stable', { seq });
  }

  /** State transfer is not built yet: say so loudly rather than pretend to catch up. */
  private onStateNeeded(seq: number, sources: readonly NodeId[]): void {
    this.env.log.log('error', 'state-transfer-unavailable', { seq, sources: sources.join(',') });
  }

  private onBatch(batch: OrderedBatch): void {
    const outcome = this.executor.execute(batch);
    if (this.opts.config.role === 'active') {
      for (const r of outcome.executed)
        if (r.result !== undefined) this.reply(r.client, r.requestId, r.result);
    }
    this.env.deliver({
      kind: 'executed',
      replica: this.env.self,
      seq: batch.seq,
      requests: outcome.executed,
    });
    const k = this.opts.checkpointInterval;
    const digest = k > 0 && batch.seq % k === 0 ? this.stateDigest() : undefined;
    this.protocol.onExecuted(batch.seq, digest);
  }

  /** The digest of the whole service state (a plain hash of all pages until incremental checkpoints land). */
  private stateDigest(): Uint8Array {
    const s = this.opts.service;
    s.takeDirtyPages();
    const parts: Uint8Array[] = [];
    for (let i = 0; i < s.pageCount; i++) parts.push(this.env.crypto.digest(s.encodePage(i)));
    return this.env.crypto.digest(Buffer.concat(parts));
  }

  private reply(client: NodeId, requestId: number, result: Uint8Array): void {
    const leaderHint = this.protocol.leaderHint?.() ?? this.env.self;
    this.env.send(client, { kind: 'reply', requestId, leaderHint, result });
  }

  /** The Env the protocol sees: its messages wrapped in the envelope, its deliveries executed here. */
  private protocolEnv(): Env<M, TimerKey, OrderingDelivery> {
    const env = this.env;
    return {
      self: env.self,
      crypto: env.crypto,
      log: env.log,
      send: (to, msg) => env.send(to, { kind: 'proto', msg }),
      broadcast: (msg) => env.broadcast({ kind: 'proto', msg }),
      setTimer: (after, t) => env.setTimer(after, { ...t, kind: PROTOCOL_TIMER + t.kind }),
      cancelTimer: (t) => env.cancelTimer({ ...t, kind: PROTOCOL_TIMER + t.kind }),
      now: () => env.now(),
      random: () => env.random(),
      deliver: (d) => this.onDelivery(d),
      suspect: (node, evidence) => {
        env.suspect(node, evidence);
        env.deliver({ kind: 'suspected', by: env.self, node, code: evidence.code });
      },
    };
  }
}
