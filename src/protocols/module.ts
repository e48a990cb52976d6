/**
 * What an ordering protocol exports: its name, its message schema, its fault model, and a
 * factory. The runtime (simulator or TCP) and config/ know protocols only through this.
 */
import type { Schema } from '../codec/schema.js';
import type { Env, OrderingDelivery, OrderingProtocol, ProtocolConfig, TimerKey } from '../core/env.js';
import type { QuorumSpec } from '../core/quorum.js';

export interface ProtocolModule<M = unknown> {
  readonly name: string;
  readonly schema: Schema<M>;
  /** Replicas and quorums for f faults (core/quorum.ts). */
  quorum(f: number): QuorumSpec;
  /** The largest f that n replicas of this protocol tolerate. */
  maxFaults(n: number): number;
  /**
   * Whether a replica that restarts with no state (a crash with amnesia) can rejoin safely:
   * true once the protocol recovers state by transfer from its peers. The simulator restarts
   * crashed replicas only for protocols that can.
   */
  readonly recoversFromAmnesia: boolean;
  create(env: Env<M, TimerKey, OrderingDelivery>, config: ProtocolConfig): OrderingProtocol<M>;
}
