/**
 * The protocol contract (DESIGN.md §2). A protocol is a deterministic state machine: it is
 * driven by `start`, `onMessage` and `onTimer` (and `submit` when it orders requests), and it
 * acts on the world only through the `Env` it is given. The same object runs under the
 * deterministic simulator and over TCP; only the Env differs.
 *
 * Layers compose by wrapping: a replica node hands its ordering protocol an Env whose `send`
 * wraps the protocol's message in the node's wire envelope and whose `deliver` feeds the SMR
 * layer. At the top, `deliver` reports observable events (executions, completed requests) to
 * the runtime, where the simulator's invariant checkers read them.
 */
import type { CryptoSuite } from './crypto-suite.js';
import type { NodeId } from './ids.js';
import type { Rng } from './rng.js';

/**
 * A timer is named by a small record of primitive values whose `kind` says what it is for and
 * whose other fields scope it (`{kind: 'viewChange', view: 3}`). Setting a timer with the same
 * fields replaces it; a handler that gets a timer for a view it has left ignores it.
 */
export interface TimerKey {
  readonly kind: string;
  readonly [field: string]: string | number | boolean;
}

/**
 * The identity of a timer key: equal fields, equal identity, whatever their order. Values are
 * JSON-encoded, so `'1'` and `1` differ and no value can imitate a field separator.
 */
export function timerId(timer: TimerKey): string {
  const keys = Object.keys(timer).sort();
  let id = '';
  for (const k of keys) id += `${JSON.stringify(k)}:${JSON.stringify(timer[k])},`;
  return id;
}

/** Why a protocol holds a peer at fault. `code` is from a closed set per protocol (metric-safe). */
export interface Evidence {
  readonly code: string;
  readonly detail?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

export interface Env<M, T extends TimerKey = TimerKey, D = never> {
  /** This node's identity. */
  readonly self: NodeId;
  /** Cryptography under this node's keys. */
  readonly crypto: CryptoSuite;
  readonly log: Logger;
  /** Queue a message to one node. Delivery is not guaranteed: protocols retransmit. */
  send(to: NodeId, message: M): void;
  /** Queue a message to every other member of this node's group (never to itself). */
  broadcast(message: M): void;
  /** Arm (or re-arm) a timer `afterMs` from now on the node's clock. */
  setTimer(afterMs: number, timer: T): void;
  cancelTimer(timer: T): void;
  /** Milliseconds on this node's clock: virtual in the simulator, monotonic in production. */
  now(): number;
  /** This node's random stream: seeded in the simulator. */
  random(): Rng;
  /** Hand something decided to the layer above (ordered batches, multicasts, observations). */
  deliver(delivery: D): void;
  /** Report a peer that broke the protocol, towards membership. */
  suspect(node: NodeId, evidence: Evidence): void;
}

/**
 * Every protocol. Handlers are synchronous, return nothing, and never throw because of a peer:
 * `onMessage` receives a message already decoded, within its bounds, and authenticated as sent
 * by `from`; what it means is for the protocol to validate.
 *
 * Protocols without timers (asynchronous ones) simply never call `setTimer`, and `onTimer`
 * is then never called.
 */
export interface Protocol<M, T extends TimerKey = TimerKey> {
  start(): void;
  onMessage(from: NodeId, message: M): void;
  onTimer(timer: T): void;
}

/** What a replica does in its group: active replicas order and execute; passive ones (Spare) only follow. */
export type ReplicaRole = 'active' | 'passive';

/** A client's request as every ordering protocol carries it. */
export interface ClientRequest {
  readonly client: NodeId;
  /** Per client, strictly increasing: the reply cache and exactly-once execution key on it. */
  readonly requestId: number;
  /** Every request of this client at or below this id is settled: replicas may forget them (smr/reply-cache.ts). */
  readonly lowWater: number;
  readonly op: Uint8Array;
  /** A read-only request may be answered without ordering (smr decides). */
  readonly readOnly: boolean;
  /**
   * The client's authenticator (smr/request-auth.ts): one MAC per replica, in the rank order of
   * the group's members, under the pairwise client-replica key, over the other fields. A replica
   * checks its own entry, so a request a Byzantine replica made up is never ordered (PBFT, OSDI
   * §4.1). Empty where no replica checks it (hand-built batches in tests).
   */
  readonly auth: Uint8Array[];
}

/** One decided batch: every correct replica delivers the same batch at the same sequence number. */
export interface OrderedBatch {
  readonly kind: 'batch';
  /** Consecutive from 1 with no gaps: smr executes batch s only after batch s-1. */
  readonly seq: number;
  readonly requests: readonly ClientRequest[];
}

/** A checkpoint became stable: 2f+1 replicas (or the protocol's quorum) certified this state digest. */
export interface CheckpointStable {
  readonly kind: 'checkpoint-stable';
  readonly seq: number;
  readonly digest: Uint8Array;
}

/**
 * This replica is behind a stable checkpoint it cannot reach by executing batches (it restarted,
 * or the others garbage-collected the batches it lacks): smr must fetch the state at `seq` from
 * `sources` (replicas that certified `digest`), verify it against `digest`, install it, and then
 * call `onStateInstalled(seq)`.
 */
export interface StateNeeded {
  readonly kind: 'state-needed';
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly sources: readonly NodeId[];
}

/** What an ordering protocol hands to smr/. */
export type OrderingDelivery = OrderedBatch | CheckpointStable | StateNeeded;

/**
 * An ordering protocol: the consensus layer's one interface to `smr/`. A service does not know
 * which protocol orders its requests, so config/ can swap one for another at an agreed seq.
 */
export interface OrderingProtocol<M, T extends TimerKey = TimerKey> extends Protocol<M, T> {
  /** A request from a client, as received by this replica (possibly a retransmission). */
  submit(request: ClientRequest): void;
  /**
   * smr reports that batch `seq` has been executed, with the digest of the service state after
   * it at checkpoint sequence numbers (undefined otherwise). Protocols with checkpoints build
   * their stable-checkpoint proofs on it; others may ignore it.
   */
  onExecuted(seq: number, stateDigest: Uint8Array | undefined): void;
  /**
   * smr installed the checkpoint state at `seq` (after a `state-needed`): the protocol continues
   * from there, fetching the batches after `seq` from its peers.
   */
  onStateInstalled(seq: number): void;
  /**
   * Whether smr takes a checkpoint after executing `seq` (and passes its digest to onExecuted).
   * Absent: every `checkpointInterval` batches. The switching layer (smr/switching) says so at
   * the end of an epoch and every interval from an epoch's base.
   */
  checkpointAt?(seq: number): boolean;
  /** The replica this one believes leads, if the protocol has a leader (told to clients in replies). */
  leaderHint?(): NodeId;
  /** What an operator wants to see (dashboard, demo, stats): view, leader, counters. */
  status?(): ProtocolStatus;
}

export interface ProtocolStatus {
  readonly view?: number;
  readonly leader?: NodeId;
  /** Monotonic counters by name (view changes started, completed, checkpoints, …), metric-safe names. */
  readonly counters?: Readonly<Record<string, number>>;
}

/** What a protocol factory is given besides its Env. */
export interface ProtocolConfig {
  /** The replicas of the group, in rank order. */
  readonly members: readonly NodeId[];
  /** Faults tolerated (by the protocol's own fault model). */
  readonly f: number;
  readonly role: ReplicaRole;
  /** Protocol-specific tuning (batch sizes, timeouts), by name; each protocol documents its own. */
  readonly tuning?: Readonly<Record<string, number>>;
}
