/** What a switching replica is configured with (the same on every replica of a cluster). */
import type { NodeId } from '../../core/ids.js';
import type { ProtocolModule } from '../../protocols/module.js';
import type { Bounds } from './epoch.js';

export interface SwitchingOptions extends Bounds {
  readonly protocols: ReadonlyMap<string, ProtocolModule<unknown>>;
  /** Every host of the cluster, in rank order: the order of clients' authenticators. */
  readonly hosts: readonly NodeId[];
  /** Epoch 0: the cluster file's protocol. */
  readonly initial: {
    readonly protocol: string;
    readonly members: readonly NodeId[];
    readonly tuning?: Readonly<Record<string, number>>;
  };
  /** The administrator's identity: its signature key is the one commands must carry. */
  readonly admin: NodeId;
  /**
   * f+1 for the strictest fault model the cluster may run: the matching replies clients wait
   * for, and the peers that must agree before a replica believes it is behind.
   */
  readonly replyQuorum: number;
  /** smr's checkpoint interval; inside an epoch checkpoints fall every interval from its base. */
  readonly checkpointInterval: number;
  /** How often a replica asks its peers for their epoch. */
  readonly probeMs: number;
  /** How long an epoch's instance keeps answering laggards after the switch. */
  readonly retireMs: number;
  /** How far ahead of its own seq a command may set the switch. */
  readonly atSeqAheadMax: number;
}

export const switchingDefaults = { probeMs: 1_000, retireMs: 10_000, atSeqAheadMax: 100_000 } as const;
