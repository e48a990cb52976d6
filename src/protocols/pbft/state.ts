/**
 * The state of one PBFT replica, shared by the handler modules (normal-case.ts, checkpoints.ts,
 * view-change.ts, new-view.ts, catch-up.ts, requests.ts). It holds data and small predicates
 * only; the transitions live in those modules, and replica.ts dispatches to them.
 */
import { DIGEST_BYTES } from '../../core/crypto-suite.js';
import type { Env, OrderingDelivery, ProtocolConfig, TimerKey } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { batchDigest } from './certificates.js';
import { Log } from './log.js';
import type { Checkpoint, NewView, PbftMessage, Status, ViewChange, ViewChangeBody } from './messages.js';
import { CheckpointVotes, RequestQueue } from './stores.js';
import { backedOff, resolveTuning, type PbftTuning } from './timers.js';
import { hex } from '../../core/bytes.js';

export type PbftEnv = Env<PbftMessage, TimerKey, OrderingDelivery>;

/** Counters for operators (OrderingProtocol.status): metric-safe names. */
export interface PbftCounters {
  viewChanges: number;
  newViews: number;
  checkpointsStable: number;
  stateTransfers: number;
  fetchesSent: number;
  suspicions: number;
}

export class PbftState {
  readonly t: PbftTuning;
  readonly members: readonly NodeId[];
  readonly n: number;
  readonly f: number;
  /** 2f+1: prepared and committed certificates, view changes, checkpoint proofs. */
  readonly quorum: number;
  /** f+1: at least one correct replica among them. */
  readonly weak: number;
  readonly self: NodeId;
  /** This replica's index in `members`: its entry in every authenticator. */
  readonly rank: number;
  private readonly ranks: ReadonlyMap<NodeId, number>;
  readonly nullDigest: Uint8Array;
  readonly nullHex: string;

  /** The current view; while `active` is false, the view this replica is changing to. */
  view = 0;
  active = true;
  /** View changes started in a row without progress since: the exponent of the timer back-off. */
  failures = 0;
  /** The low watermark h: the last stable checkpoint, its digest, and the 2f+1 messages proving it. */
  h = 0;
  stableDigest: Uint8Array = new Uint8Array(DIGEST_BYTES);
  stableProof: Checkpoint[] = [];
  /** The highest checkpoint seen proven, when it is above h (reached by executing or by state transfer). */
  proven: { seq: number; digest: Uint8Array; proof: Checkpoint[] } | undefined;
  /** The last batch handed to smr, and the last one smr reported executed. */
  lastDelivered = 0;
  lastExecuted = 0;
  /** When lastDelivered last moved (a stalled head triggers catch-up). */
  headSinceMs = 0;
  /** The highest seq known to be in use (from messages and f+1 statuses): beyond lastDelivered is a gap. */
  knownHigh = 0;
  /** lastDelivered when a request timeout was last put off because this replica was behind. */
  behindAt: number | undefined;
  /** The primary's next sequence number. */
  nextSeq = 1;
  /** A state transfer asked of smr and not yet installed: deliveries wait for it. */
  stateTarget: { seq: number; digest: Uint8Array } | undefined;

  readonly log = new Log();
  readonly checkpoints: CheckpointVotes;
  /** This replica's own signed checkpoints above h (its state digest at each). */
  readonly ownCheckpoints = new Map<number, Checkpoint>();
  /** The latest view-change from each replica (its highest view). */
  readonly viewChanges = new Map<NodeId, ViewChange | ViewChangeBody>();
  myViewChange: ViewChange | undefined;
  /** The new-view that started the current view (sent to replicas that are behind). */
  newView: NewView | undefined;
  readonly requests: RequestQueue;
  /** The latest status of each peer. */
  readonly peers = new Map<NodeId, Status>();
  /** Proofs and view-change signatures already verified (hex keys), so re-validation is cheap. */
  readonly verified = new Set<string>();
  /** When this replica last served a peer, per purpose: retransmission work is rate-limited. */
  private readonly servedAtMs = new Map<string, number>();

  /** Timers armed, by the view they were armed in (undefined: not armed). */
  requestTimerView: number | undefined;
  viewChangeTimerView: number | undefined;
  flushArmed = false;
  fetchArmed = false;
  /** Fetches in a row that brought no progress: the exponent of the catch-up interval. */
  fetchBackoff = 0;
  readonly counters: PbftCounters = {
    viewChanges: 0,
    newViews: 0,
    checkpointsStable: 0,
    stateTransfers: 0,
    fetchesSent: 0,
    suspicions: 0,
  };

  constructor(
    readonly env: PbftEnv,
    config: ProtocolConfig,
  ) {
    this.t = resolveTuning(config.tuning);
    this.members = config.members;
    this.n = config.members.length;
    this.f = config.f;
    this.quorum = 2 * config.f + 1;
    this.weak = config.f + 1;
    this.self = env.self;
    this.ranks = new Map(config.members.map((m, i) => [m, i]));
    this.rank = this.ranks.get(env.self) ?? -1;
    this.nullDigest = batchDigest(env.crypto, []);
    this.nullHex = hex(this.nullDigest);
    this.checkpoints = new CheckpointVotes(this.t.logSize / this.t.checkpointInterval + 2);
    this.requests = new RequestQueue(this.t.pendingMax, this.t.forwardsMax);
  }

  primaryOf(view: number): NodeId {
    return this.members[view % this.n] as NodeId;
  }

  get primary(): NodeId {
    return this.primaryOf(this.view);
  }

  isPrimary(): boolean {
    return this.primary === this.self;
  }

  isMember(node: NodeId): boolean {
    return this.ranks.has(node);
  }

  /** H: the high watermark. */
  get high(): number {
    return this.h + this.t.logSize;
  }

  inWindow(seq: number): boolean {
    return seq > this.h && seq <= this.high;
  }

  requestTimeoutMs(): number {
    return backedOff(this.t.requestTimeoutMs, this.failures, this.t.timeoutMsMax);
  }

  viewChangeTimeoutMs(): number {
    return backedOff(this.t.viewChangeTimeoutMs, Math.max(0, this.failures - 1), this.t.timeoutMsMax);
  }

  /** Whether to serve `peer` for `purpose` now: at most once per `intervalMs`. */
  mayServe(purpose: string, peer: NodeId, intervalMs: number): boolean {
    const key = `${purpose}:${peer}`;
    const now = this.env.now();
    const last = this.servedAtMs.get(key);
    if (last !== undefined && now - last < intervalMs) return false;
    this.servedAtMs.set(key, now);
    return true;
  }

  suspect(node: NodeId, code: string): void {
    this.counters.suspicions++;
    this.env.suspect(node, { code });
  }

  /** Remember a verified key (bounded: forgetting only costs a re-verification). */
  noteVerified(key: string): void {
    if (this.verified.size >= 1024) this.verified.clear();
    this.verified.add(key);
  }
}
