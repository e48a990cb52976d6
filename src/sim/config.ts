/** The configuration of one seeded world, and its defaults. */
import type { CryptoSuite } from '../core/crypto-suite.js';
import type { NodeId } from '../core/ids.js';
import type { ProtocolModule } from '../protocols/module.js';
import type { SimApp } from './app.js';
import type { ByzantineSpec } from './faults.js';
import type { NetworkConfig } from './network.js';
import type { SimSwitching } from './switching.js';

export interface WorldConfig {
  readonly seed: number;
  readonly module: ProtocolModule<unknown>;
  /** The service the cluster runs and the workload clients send (app.ts). */
  readonly app: SimApp;
  readonly n: number;
  readonly f: number;
  readonly clients: number;
  /** Requests in all, shared among the clients. */
  readonly requests: number;
  /** Requests each client keeps in flight. */
  readonly outstanding: number;
  readonly requestBytes: number;
  readonly replyBytes: number;
  readonly network: NetworkConfig;
  readonly byzantine: ByzantineSpec;
  readonly crashes: boolean;
  /** From this virtual time on: no loss, no partition, crashed nodes back if they can be. */
  readonly stableAtMs: number;
  /** The run ends here at the latest; requests not completed by then are a liveness finding. */
  readonly deadlineMs: number;
  /** Events at most: a guard against a run that makes no progress in virtual time. */
  readonly eventsMax: number;
  readonly tuning?: Readonly<Record<string, number>>;
  /** The crypto suite of each node (none-mode suites by default in the simulator). */
  readonly cryptoFor: (node: NodeId) => CryptoSuite;
  /** Client retransmission: first timeout. */
  readonly clientRetryMs: number;
  /** Replicas run the switching layer, and the administrator sends this plan (switching.ts). */
  readonly switching?: SimSwitching;
}

export const simDefaults = {
  clients: 4,
  requests: 200,
  outstanding: 4,
  requestBytes: 16,
  replyBytes: 0,
  stableAtMs: 3_000,
  livenessMs: 30_000,
  eventsMax: 5_000_000,
  clientRetryMs: 200,
} as const;
