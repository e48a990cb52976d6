/**
 * The records of a group world (world.ts): its events, its members as the world holds them, and
 * what a run reports.
 */
import type { TimerKey } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { SeededRng } from '../../core/rng.js';
import type { GroupMember } from '../../protocols/itua/index.js';
import type { Behaviour, Outgoing } from '../adversaries/index.js';
import type { Violation } from '../checkers/index.js';

export type WorldEvent =
  | {
      readonly t: 'msg';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly bytes: Uint8Array;
      readonly claimedFrom?: NodeId;
    }
  | {
      readonly t: 'timer';
      readonly node: NodeId;
      readonly id: string;
      readonly gen: number;
      readonly key: TimerKey;
    }
  | { readonly t: 'app'; readonly node: NodeId }
  | { readonly t: 'leave'; readonly node: NodeId }
  | { readonly t: 'crash'; readonly node: NodeId }
  | { readonly t: 'check' };

export interface Member {
  readonly id: NodeId;
  alive: boolean;
  node: GroupMember;
  readonly timers: Map<string, number>;
  readonly rng: SeededRng;
  /** Clock rate (skew): its timers run 1/rate as long in virtual time. */
  readonly rate: number;
  readonly behaviours: readonly Behaviour[];
  readonly history: Outgoing[];
  /** Due times of its application's multicasts, and how many it has made. */
  readonly due: number[];
  issued: number;
}

export interface GroupWorldStats {
  /** Frames handed to a member's stack. */
  frames: number;
  steps: number;
  dropped: number;
  decodeRejected: number;
  forgedRejected: number;
  multicasts: number;
  deliveries: number;
  suspicions: number;
  crashes: number;
}

export interface GroupWorldResult {
  readonly seed: number;
  readonly violations: Violation[];
  readonly virtualMs: number;
  /** Every expected outcome was observed before the deadline. */
  readonly complete: boolean;
  readonly stats: GroupWorldStats;
  /** Each view installation: its view, the virtual ms it took (mean over correct members), whether transitional. */
  readonly installations: readonly GroupInstallation[];
}

export interface GroupInstallation {
  readonly view: number;
  readonly ms: number;
  readonly transitional: boolean;
}
