/**
 * Sweeps of seeded worlds: the engine behind `bulwark sim`. Each failing seed carries the one
 * command that replays it.
 */
import type { NodeId } from '../core/ids.js';
import type { ProtocolModule } from '../protocols/module.js';
import { simDefaults, type WorldConfig } from './config.js';
import type { ByzantineSpec } from './faults.js';
import type { NetworkConfig } from './network.js';
import { World, type WorldResult } from './world.js';
import type { CryptoSuite } from '../core/crypto-suite.js';
import { counterApp, type SimApp } from './app.js';
import type { SimSwitching } from './switching.js';

export interface SweepOptions {
  readonly protocol: string;
  readonly module: ProtocolModule<unknown>;
  /** The service and workload (default: the counter). */
  readonly app?: SimApp;
  readonly n: number;
  readonly f: number;
  readonly seeds: number;
  readonly seedStart: number;
  readonly requests: number;
  readonly clients: number;
  readonly byzantine: ByzantineSpec;
  /** The --byzantine text as given, for replay commands. */
  readonly byzantineText: string | undefined;
  readonly network: NetworkConfig;
  readonly crashes: boolean;
  /** Protocol tuning by name (e.g. a small checkpointInterval, so short runs cross checkpoints). */
  readonly tuning?: Readonly<Record<string, number>>;
  readonly cryptoFor: (seed: number) => (node: NodeId) => CryptoSuite;
  readonly onRun?: (result: WorldResult, done: number) => void;
  /** A switching run (switching.ts), and its --switch text as given, for replay commands. */
  readonly switching?: SimSwitching;
  readonly switchText?: string;
}

export interface SweepViolation {
  readonly seed: number;
  readonly invariant: string;
  readonly message: string;
  readonly atMs: number;
  readonly replay: string;
}

export interface SweepReport {
  readonly protocol: string;
  readonly n: number;
  readonly f: number;
  readonly runs: number;
  readonly passed: number;
  readonly failed: number;
  readonly requestsCommitted: number;
  readonly deliveries: number;
  readonly deliveriesPerSec: number;
  readonly wallSeconds: number;
  readonly violations: SweepViolation[];
  readonly rejected: { readonly decode: number; readonly forged: number };
  /** Checkpoints installed by state transfer, over all runs. */
  readonly stateInstalls: number;
}

export function replayCommand(o: SweepOptions, seed: number): string {
  const parts = [
    `npx bulwark sim --protocol ${o.protocol} --n ${o.n} --f ${o.f} --seeds 1 --seed-start ${seed}`,
  ];
  if (o.app !== undefined && o.app !== counterApp) parts.push(`--service ${o.app.name}`);
  if (o.requests !== simDefaults.requests) parts.push(`--requests ${o.requests}`);
  if (o.clients !== simDefaults.clients) parts.push(`--clients ${o.clients}`);
  if (o.byzantineText) parts.push(`--byzantine "${o.byzantineText}"`);
  if (o.network.loss > 0) parts.push(`--loss ${o.network.loss}`);
  if (o.network.duplicate > 0) parts.push(`--duplicate ${o.network.duplicate}`);
  if (o.network.partitions) parts.push('--partitions');
  if (o.crashes) parts.push('--crashes');
  if (o.switchText !== undefined) parts.push(`--switch "${o.switchText}"`);
  const tuning = Object.entries(o.tuning ?? {});
  if (tuning.length > 0) parts.push(`--tuning ${tuning.map(([k, v]) => `${k}=${v}`).join(',')}`);
  return parts.join(' ');
}

export function worldConfig(o: SweepOptions, seed: number): WorldConfig {
  return {
    seed,
    module: o.module,
    app: o.app ?? counterApp,
    n: o.n,
    f: o.f,
    clients: o.clients,
    requests: o.requests,
    outstanding: simDefaults.outstanding,
    requestBytes: simDefaults.requestBytes,
    replyBytes: simDefaults.replyBytes,
    network: o.network,
    byzantine: o.byzantine,
    crashes: o.crashes,
    stableAtMs: simDefaults.stableAtMs,
    deadlineMs: simDefaults.stableAtMs + simDefaults.livenessMs,
    eventsMax: simDefaults.eventsMax,
    tuning: o.tuning,
    cryptoFor: o.cryptoFor(seed),
    clientRetryMs: simDefaults.clientRetryMs,
    switching: o.switching,
  };
}

export function runSweep(o: SweepOptions): SweepReport {
  const started = process.hrtime.bigint();
  const violations: SweepViolation[] = [];
  let passed = 0;
  let committed = 0;
  let deliveries = 0;
  let decode = 0;
  let forged = 0;
  let stateInstalls = 0;
  for (let i = 0; i < o.seeds; i++) {
    const seed = o.seedStart + i;
    const result = new World(worldConfig(o, seed)).run();
    committed += result.requestsCommitted;
    deliveries += result.stats.deliveries;
    decode += result.stats.decodeRejected;
    forged += result.stats.forgedRejected;
    stateInstalls += result.stats.stateInstalls;
    if (result.violations.length === 0) passed++;
    for (const v of result.violations) {
      violations.push({
        seed,
        invariant: v.invariant,
        message: v.message,
        atMs: v.atMs,
        replay: replayCommand(o, seed),
      });
    }
    o.onRun?.(result, i + 1);
  }
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    protocol: o.protocol,
    n: o.n,
    f: o.f,
    runs: o.seeds,
    passed,
    failed: o.seeds - passed,
    requestsCommitted: committed,
    deliveries,
    deliveriesPerSec: Math.round(deliveries / Math.max(wallSeconds, 1e-9)),
    wallSeconds,
    violations,
    rejected: { decode, forged },
    stateInstalls,
  };
}
