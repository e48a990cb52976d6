/**
 * Sweeps of seeded group-communication worlds: the engine behind `bulwark sim --protocol itua`.
 * The options map one to one onto the command's flags (--n --seeds --seed-start --byzantine
 * --loss --partitions --crashes, and --duplicate --guarantee --messages beyond them), and each
 * failing seed carries the one command that replays it.
 */
import { maxFaults } from '../../core/quorum.js';
import { noneCryptoFor } from '../crypto.js';
import { parseByzantine, type ByzantineSpec } from '../faults.js';
import { defaultNetwork } from '../network.js';
import type { SweepViolation } from '../run.js';
import { groupDefaults, type GroupWorldConfig, type WorkloadGuarantee } from './config.js';
import { GroupWorld, type GroupWorldResult } from './world.js';

export interface GroupSweepOptions {
  /** --n: members. */
  readonly n: number;
  /** --seeds, --seed-start. */
  readonly seeds: number;
  readonly seedStart: number;
  /** --byzantine "ID:FAULT,…" (for example "2:mutant,5:impede-total-order"). */
  readonly byzantine?: string;
  /** --loss: chance that a frame is lost before stabilization. */
  readonly loss?: number;
  /** --partitions: partitions that heal by stabilization. */
  readonly partitions?: boolean;
  /** --crashes: crash up to f - |byzantine| correct members (they stay down). */
  readonly crashes?: boolean;
  /** --duplicate: chance that a frame arrives twice. */
  readonly duplicate?: number;
  /** --guarantee: what the applications ask for (default total). */
  readonly guarantee?: WorkloadGuarantee;
  /** --messages: multicasts per member (default groupDefaults.messages). */
  readonly messages?: number;
  /** Stack tuning overrides, by name (timers.ts). */
  readonly tuning?: Readonly<Record<string, number>>;
  readonly onRun?: (result: GroupWorldResult, done: number) => void;
}

export interface GroupSweepReport {
  readonly protocol: 'itua';
  readonly n: number;
  readonly f: number;
  readonly guarantee: WorkloadGuarantee;
  readonly runs: number;
  readonly passed: number;
  readonly failed: number;
  /** Runs that reached every expected outcome before their deadline. */
  readonly completed: number;
  readonly multicasts: number;
  /** Application deliveries, summed over members. */
  readonly deliveries: number;
  readonly suspicions: number;
  /**
   * View installations (averaged over the correct members of each): how many, how many went
   * through a transitional view, and the virtual ms each took from its start (f+1 Suspects seen,
   * or a join asked) to the new view (seed 003, Figures 6 to 9, measure the same span).
   */
  readonly installations: {
    readonly count: number;
    readonly transitional: number;
    readonly msMean: number;
    readonly msMax: number;
  };
  /** Frames handed to stacks, and their rate in wall-clock time. */
  readonly frames: number;
  readonly framesPerSec: number;
  readonly wallSeconds: number;
  readonly violations: SweepViolation[];
  readonly rejected: { readonly decode: number; readonly forged: number };
}

interface Resolved {
  readonly o: GroupSweepOptions;
  readonly f: number;
  readonly byzantine: ByzantineSpec;
  readonly guarantee: WorkloadGuarantee;
  readonly messages: number;
}

/** Checks the options; throws an Error that says what is wrong (the CLI shows it as is). */
function resolve(o: GroupSweepOptions): Resolved {
  if (!Number.isInteger(o.n) || o.n < 1 || o.n > 256) throw new Error(`--n must be 1..256, got ${o.n}`);
  const byz = parseByzantine(o.byzantine, o.n, 'itua');
  if (!byz.ok) throw new Error(byz.error);
  for (const [id, bs] of byz.value) {
    if (bs.includes('twins')) throw new Error(`member ${id}: twins is not supported by the group simulator`);
  }
  const messages = o.messages ?? groupDefaults.messages;
  if (!Number.isInteger(messages) || messages < 1)
    throw new Error(`--messages must be at least 1, got ${messages}`);
  return {
    o,
    f: maxFaults('byzantine', o.n),
    byzantine: byz.value,
    guarantee: o.guarantee ?? 'total',
    messages,
  };
}

export function groupWorldConfig(o: GroupSweepOptions, seed: number): GroupWorldConfig {
  const r = resolve(o);
  return {
    seed,
    n: o.n,
    f: r.f,
    byzantine: r.byzantine,
    network: {
      ...defaultNetwork,
      loss: o.loss ?? 0,
      duplicate: o.duplicate ?? 0,
      partitions: o.partitions ?? false,
    },
    crashes: o.crashes ?? false,
    guarantee: r.guarantee,
    messages: r.messages,
    dataBytes: groupDefaults.dataBytes,
    stableAtMs: groupDefaults.stableAtMs,
    spanMs: groupDefaults.spanMs,
    endMs: groupDefaults.stableAtMs + groupDefaults.settleMs,
    graceMs: groupDefaults.graceMs,
    eventsMax: groupDefaults.eventsMax,
    tuning: o.tuning,
    cryptoFor: noneCryptoFor(o.n, 0)(seed),
  };
}

export function groupReplayCommand(o: GroupSweepOptions, seed: number): string {
  const parts = [`npx bulwark sim --protocol itua --n ${o.n} --seeds 1 --seed-start ${seed}`];
  if (o.byzantine) parts.push(`--byzantine "${o.byzantine}"`);
  if ((o.loss ?? 0) > 0) parts.push(`--loss ${o.loss}`);
  if ((o.duplicate ?? 0) > 0) parts.push(`--duplicate ${o.duplicate}`);
  if (o.partitions) parts.push('--partitions');
  if (o.crashes) parts.push('--crashes');
  if (o.guarantee !== undefined && o.guarantee !== 'total') parts.push(`--guarantee ${o.guarantee}`);
  if (o.messages !== undefined && o.messages !== groupDefaults.messages)
    parts.push(`--messages ${o.messages}`);
  return parts.join(' ');
}

type Totals = Record<
  | 'passed'
  | 'completed'
  | 'multicasts'
  | 'deliveries'
  | 'suspicions'
  | 'frames'
  | 'decode'
  | 'forged'
  | 'installs'
  | 'transitional'
  | 'installMsSum'
  | 'installMsMax',
  number
>;

function accumulate(totals: Totals, result: GroupWorldResult): void {
  totals.multicasts += result.stats.multicasts;
  totals.deliveries += result.stats.deliveries;
  totals.suspicions += result.stats.suspicions;
  totals.frames += result.stats.frames;
  totals.decode += result.stats.decodeRejected;
  totals.forged += result.stats.forgedRejected;
  for (const i of result.installations) {
    totals.installs++;
    if (i.transitional) totals.transitional++;
    totals.installMsSum += i.ms;
    totals.installMsMax = Math.max(totals.installMsMax, i.ms);
  }
  if (result.complete) totals.completed++;
  if (result.violations.length === 0) totals.passed++;
}

export function runGroupSweep(o: GroupSweepOptions): GroupSweepReport {
  const r = resolve(o);
  const started = process.hrtime.bigint();
  const violations: SweepViolation[] = [];
  const totals: Totals = {
    passed: 0,
    completed: 0,
    multicasts: 0,
    deliveries: 0,
    suspicions: 0,
    frames: 0,
    decode: 0,
    forged: 0,
    installs: 0,
    transitional: 0,
    installMsSum: 0,
    installMsMax: 0,
  };
  for (let i = 0; i < o.seeds; i++) {
    const seed = o.seedStart + i;
    const result = new GroupWorld(groupWorldConfig(o, seed)).run();
    accumulate(totals, result);
    for (const v of result.violations) {
      violations.push({
        seed,
        invariant: v.invariant,
        message: v.message,
        atMs: v.atMs,
        replay: groupReplayCommand(o, seed),
      });
    }
    o.onRun?.(result, i + 1);
  }
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    protocol: 'itua',
    n: o.n,
    f: r.f,
    guarantee: r.guarantee,
    runs: o.seeds,
    passed: totals.passed,
    failed: o.seeds - totals.passed,
    completed: totals.completed,
    multicasts: totals.multicasts,
    deliveries: totals.deliveries,
    suspicions: totals.suspicions,
    installations: {
      count: totals.installs,
      transitional: totals.transitional,
      msMean: totals.installs === 0 ? 0 : Math.round((totals.installMsSum / totals.installs) * 10) / 10,
      msMax: Math.round(totals.installMsMax * 10) / 10,
    },
    frames: totals.frames,
    framesPerSec: Math.round(totals.frames / Math.max(wallSeconds, 1e-9)),
    wallSeconds,
    violations,
    rejected: { decode: totals.decode, forged: totals.forged },
  };
}
