/**
 * A replica of a service: one ordering protocol below, the executor and reply cache above, and
 * the wire envelope around both. Pure, like the protocol it wraps: it acts only through its
 * Env, so the simulator and the TCP runtime drive the very same object.
 *
 * What it does for the protocol (docs/protocol-contract.md, "Ordered delivery"):
 * - `batch`: executes it, answers the clients, and calls `onExecuted(seq, digest)`, with the
 *   state digest at checkpoint sequence numbers (every `checkpointInterval`; checkpoints.ts);
 * - `checkpoint-stable`: snapshots below it may go (they stay servable while leased);
 * - `state-needed`: fetches that checkpoint from the named sources (state-transfer.ts), installs
 *   it, and calls `onStateInstalled(seq)`; a newer one restarts the fetch towards it.
 * It also answers its peers' state queries from its snapshots (state-server.ts), and clients'
 * read-only requests from its current state (read-only.ts).
 */
import type {
  ClientRequest,
  Env,
  OrderedBatch,
  OrderingDelivery,
  OrderingProtocol,
  Protocol,
  ProtocolConfig,
  StateNeeded,
  TimerKey,
} from '../core/env.js';
import { isClientId, type NodeId } from '../core/ids.js';
import { limits } from '../core/limits.js';
import type { ProtocolModule } from '../protocols/module.js';
import { Checkpointer, defaultCheckpointOptions, type CheckpointOptions } from './checkpoints.js';
import { Executor } from './executor.js';
import { equalDigests } from './merkle.js';
import type { Wire, WireRequest } from './messages.js';
import type { Observation } from './observations.js';
import { verifyRequestFor } from './request-auth.js';
import type { Service } from './service.js';
import {
  defaultStateServerOptions,
  StateServer,
  type StateEnv,
  type StateServerOptions,
} from './state-server.js';
import type { TransferTimer } from './state-source.js';
import { StateTransfer, type StateTransferOptions, type TransferTarget } from './state-transfer.js';

/** Protocol timers travel under this prefix, so the node's own timers can never collide with them. */
const PROTOCOL_TIMER = 'p.';
/** State-transfer timers (state-source.ts). */
const STATE_TIMER = 'st.';

export interface ReplicaNodeOptions<M> {
  readonly module: ProtocolModule<M>;
  readonly config: ProtocolConfig;
  readonly service: Service;
  /** Outstanding requests per client that the reply cache tracks (smr/reply-cache.ts). */
  readonly clientWindowMax: number;
  /** Take a checkpoint every this many batches and hand its digest to the protocol (0: never). */
  readonly checkpointInterval: number;
  /** Snapshots kept (checkpoints.ts). */
  readonly checkpoints?: Partial<CheckpointOptions>;
  /** Answering peers' state queries (state-server.ts). */
  readonly stateServer?: Partial<StateServerOptions>;
  /** Fetching state (state-transfer.ts). */
  readonly stateTransfer?: Partial<StateTransferOptions>;
}

export class ReplicaNode<M> implements Protocol<Wire<M>> {
  readonly protocol: OrderingProtocol<M>;
  readonly executor: Executor;
  readonly checkpoints: Checkpointer;
  readonly transfer: StateTransfer;
  private readonly server: StateServer;
  private readonly opts: ReplicaNodeOptions<M>;
  /** This replica's index in the members list: its entry in every client's authenticator. */
  private readonly rank: number;

  constructor(
    private readonly env: Env<Wire<M>, TimerKey, Observation>,
    opts: ReplicaNodeOptions<M>,
  ) {
    this.opts = opts;
    this.rank = opts.config.members.indexOf(env.self);
    this.executor = new Executor(opts.service, opts.clientWindowMax);
    const digest = (b: Uint8Array) => env.crypto.digest(b);
    this.checkpoints = new Checkpointer(opts.service, this.executor.cache, digest, env.log, {
      ...defaultCheckpointOptions,
      ...opts.checkpoints,
    });
    const stateEnv = this.stateEnv();
    this.server = new StateServer(stateEnv, this.checkpoints, opts.config.members, {
      ...defaultStateServerOptions,
      ...opts.stateServer,
    });
    this.transfer = new StateTransfer(
      stateEnv,
      {
        servicePages: this.checkpoints.servicePages,
        leafCount: this.checkpoints.leafCount,
        local: (i) => this.checkpoints.currentPage(i),
        install: (target, pages, leaves) => this.install(target, pages, leaves),
      },
      opts.stateTransfer,
    );
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
      case 'state-query':
        return this.server.onQuery(from, message);
      case 'state-digests':
        return this.transfer.onDigests(from, message);
      case 'state-pages':
        return this.transfer.onPages(from, message);
    }
  }

  onTimer(timer: TimerKey): void {
    if (timer.kind.startsWith(PROTOCOL_TIMER)) {
      this.protocol.onTimer({ ...timer, kind: timer.kind.slice(PROTOCOL_TIMER.length) });
    } else if (timer.kind.startsWith(STATE_TIMER)) {
      this.transfer.onTimer(timer as unknown as TransferTimer);
    }
  }

  /**
   * A client's request: answer from the cache if it was executed, else hand it to ordering. The
   * channel authenticated `from`; a request in another client's name is refused. The client's
   * MAC for this replica must verify too (request-auth.ts): a correct client never sends a bad
   * one, and a request this replica would order must be one its peers will accept from it.
   */
  private onRequest(from: NodeId, m: WireRequest): void {
    // Only clients order requests: a replica acting as a client could put ops in its own name
    // (a reconfiguration among them) into the order, which no administrator or client sent.
    if (m.client !== from || !isClientId(from) || m.lowWater >= m.requestId) return;
    if (this.opts.config.role === 'passive') return;
    if (!verifyRequestFor(this.env.crypto, this.rank, m)) return;
    if (m.readOnly) return this.onReadOnly(m);
    const cached = this.executor.cache.lookup(m.client, m.requestId, m.lowWater);
    if (cached.state === 'done') {
      if (cached.result !== undefined) this.reply(m.client, m.requestId, cached.result, false);
      return;
    }
    if (cached.state === 'beyond') return;
    const request: ClientRequest = {
      client: m.client,
      requestId: m.requestId,
      lowWater: m.lowWater,
      readOnly: false,
      op: m.op,
      auth: m.auth,
    };
    this.protocol.submit(request);
  }

  /** Read-only: answered at once from executed state, neither ordered nor cached (read-only.ts). */
  private onReadOnly(m: WireRequest): void {
    // A replica fetching state holds an old one: let the others answer.
    if (this.transfer.goal !== undefined) return;
    this.reply(m.client, m.requestId, this.opts.service.query(m.op), true);
  }

  private onDelivery(d: OrderingDelivery): void {
    switch (d.kind) {
      case 'batch':
        return this.onBatch(d);
      case 'checkpoint-stable':
        return this.checkpoints.onStable(d.seq, d.digest, this.env.now());
      case 'state-needed':
        return this.onStateNeeded(d);
    }
  }

  private onStateNeeded(d: StateNeeded): void {
    const last = this.executor.lastSeq;
    if (d.seq <= last && this.holds(d.seq, d.digest)) {
      // Already there (the batches arrived meanwhile): nothing to fetch.
      if (d.seq === last) this.protocol.onStateInstalled(d.seq);
      else this.env.log.log('warn', 'state-needed-stale', { seq: d.seq, executed: last });
      return;
    }
    // Behind it, or past it with a state that differs from the certified one (diverged): fetch it.
    if (d.seq < last) this.env.log.log('error', 'state-diverged', { seq: d.seq, executed: last });
    this.transfer.start({ seq: d.seq, digest: d.digest, sources: d.sources });
  }

  /** Whether this replica's own checkpoint at `seq` has this digest. */
  private holds(seq: number, digest: Uint8Array): boolean {
    const mine = this.checkpoints.get(seq);
    return mine !== undefined && equalDigests(mine.digest, digest);
  }

  private onBatch(batch: OrderedBatch): void {
    if (this.transfer.goal !== undefined && batch.seq !== this.executor.lastSeq + 1) {
      // While fetching, only the next batch executes; the protocol delivers the rest after onStateInstalled.
      this.env.log.log('warn', 'batch-during-state-transfer', {
        seq: batch.seq,
        executed: this.executor.lastSeq,
      });
      return;
    }
    const outcome = this.executor.execute(batch);
    if (this.opts.config.role === 'active') {
      for (const r of outcome.executed)
        if (r.result !== undefined) this.reply(r.client, r.requestId, r.result, false);
    }
    this.env.deliver({
      kind: 'executed',
      replica: this.env.self,
      seq: batch.seq,
      requests: outcome.executed,
    });
    const k = this.opts.checkpointInterval;
    const due = this.protocol.checkpointAt?.(batch.seq) ?? (k > 0 && batch.seq % k === 0);
    const digest = due ? this.checkpoints.take(batch.seq, this.env.now()) : undefined;
    this.protocol.onExecuted(batch.seq, digest);
    this.overtaken(batch.seq, digest);
  }

  /** Batches delivered while fetching reached the checkpoint being fetched, with its digest: the transfer is moot. */
  private overtaken(seq: number, digest: Uint8Array | undefined): void {
    const goal = this.transfer.goal;
    if (goal === undefined || seq !== goal.seq || digest === undefined) return;
    if (!equalDigests(digest, goal.digest)) {
      // This replica reached the checkpoint with another state: it diverged; the fetch replaces it.
      this.env.log.log('error', 'state-diverged', { seq });
      return;
    }
    this.transfer.cancel();
    this.protocol.onStateInstalled(seq);
  }

  /** Every page of the target is in and verified: install it, then let the protocol go on from it. */
  private install(target: TransferTarget, pages: Uint8Array[], leaves: Uint8Array[]): void {
    // Past it already with the certified state: nothing to do. Past it with another state (this
    // replica diverged, which a correct one never does): roll back to the certified state.
    if (this.executor.lastSeq > target.seq && this.holds(target.seq, target.digest)) {
      this.env.log.log('warn', 'state-install-behind', { seq: target.seq, executed: this.executor.lastSeq });
      return;
    }
    const r = this.checkpoints.install(
      target.seq,
      target.digest,
      pages,
      leaves,
      this.opts.clientWindowMax,
      this.env.now(),
    );
    if (!r.ok) {
      // Pages that match a certified digest yet do not decode: the service and its peers disagree on encoding.
      this.env.log.log('error', 'state-install-failed', { seq: target.seq, error: r.error });
      return;
    }
    this.executor.lastSeq = target.seq;
    this.env.deliver({ kind: 'state-installed', replica: this.env.self, seq: target.seq });
    this.protocol.onStateInstalled(target.seq);
  }

  private reply(client: NodeId, requestId: number, result: Uint8Array, readOnly: boolean): void {
    // A service result beyond the wire's bound cannot be sent: the client times out (and orders a read).
    if (result.byteLength > limits.resultBytesMax) {
      this.env.log.log('error', 'result-too-large', { client, requestId, bytes: result.byteLength });
      return;
    }
    const leaderHint = this.protocol.leaderHint?.() ?? this.env.self;
    this.env.send(client, { kind: 'reply', requestId, readOnly, leaderHint, result });
  }

  /** What state transfer and the state server see: state messages on the wire, `st.` timers. */
  private stateEnv(): StateEnv {
    const env = this.env;
    return {
      self: env.self,
      crypto: env.crypto,
      log: env.log,
      send: (to, msg) => env.send(to, msg),
      setTimer: (after, t) => env.setTimer(after, t),
      cancelTimer: (t) => env.cancelTimer(t),
      now: () => env.now(),
      suspect: (node, evidence) => this.suspect(node, evidence.code, evidence.detail),
    };
  }

  private suspect(node: NodeId, code: string, detail?: string): void {
    this.env.suspect(node, { code, detail });
    this.env.deliver({ kind: 'suspected', by: this.env.self, node, code });
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
      suspect: (node, evidence) => this.suspect(node, evidence.code, evidence.detail),
    };
  }
}
