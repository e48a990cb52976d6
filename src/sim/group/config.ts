/**
 * The configuration of one seeded group-communication world (the sibling of sim/config.ts for
 * the ITUA stack), its defaults, and what its members' applications multicast.
 */
import type { CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';
import type { ByzantineSpec } from '../faults.js';
import type { NetworkConfig } from '../network.js';

/** What each member's application asks for: one guarantee for all, or a seeded mix of both. */
export type WorkloadGuarantee = 'fifo' | 'total' | 'mixed';

export interface GroupWorldConfig {
  readonly seed: number;
  readonly n: number;
  readonly f: number;
  readonly byzantine: ByzantineSpec;
  readonly network: NetworkConfig;
  /** Crash up to f - |byzantine| correct members before stabilization (they stay down). */
  readonly crashes: boolean;
  readonly guarantee: WorkloadGuarantee;
  /** Multicasts each member's application makes. */
  readonly messages: number;
  /** Payload bytes of each multicast, beyond its identifying header. */
  readonly dataBytes: number;
  /** From this virtual time on: no loss, no partition. */
  readonly stableAtMs: number;
  /** Each application spreads its multicasts over [0, spanMs]. */
  readonly spanMs: number;
  /** The run ends here at the latest (sooner once every expected outcome is observed). */
  readonly endMs: number;
  /**
   * Timeout suspicions (and removals) of correct members are tolerated until stableAtMs + graceMs:
   * an installation that began before the network stabilized may still run out its timers.
   */
  readonly graceMs: number;
  /** Events at most: a guard against a run that makes no progress in virtual time. */
  readonly eventsMax: number;
  readonly tuning?: Readonly<Record<string, number>>;
  readonly cryptoFor: (node: NodeId) => CryptoSuite;
}

export const groupDefaults = {
  messages: 8,
  dataBytes: 16,
  stableAtMs: 2_000,
  spanMs: 2_400,
  settleMs: 6_000,
  // An installation under way at stabilization may wait out a Ready phase it deferred to (600 ms),
  // the next one's (600 ms) and a stalled stabilization (1,000 ms) with the default timers.
  graceMs: 2_200,
  eventsMax: 2_000_000,
  /** How often the world looks whether the run is complete. */
  checkEveryMs: 100,
  /** A multicast the stack refused (too many in flight) is tried again after this long. */
  appRetryMs: 20,
  /** The delay scale of the generic `slow` behaviour. */
  slowMs: 400,
} as const;
