/**
 * What the group simulator arranges for each injected fault (who leads, whether an installation
 * must be started for a Table III fault to strike in) and expects of it (its exclusion).
 */
import type { NodeId } from '../../core/ids.js';
import type { SeededRng } from '../../core/rng.js';
import type { Rank, SuspectCode } from '../../protocols/itua/index.js';
import { planCrashes, type ByzantineSpec, type CrashPlan } from '../faults.js';
import type { GroupWorldConfig, WorkloadGuarantee } from './config.js';

/**
 * Seed 003, Table III: faults that act during a view installation. The first four act only when
 * the faulty member leads it, so the world gives such members the lowest ranks of view 0 (the
 * leader, then the deputy, …): the paper likewise injected them "at the leader process".
 */
export const LEADER_FAULTS: ReadonlySet<string> = new Set([
  'bad-new-view',
  'new-view-timeout',
  'bad-commit',
  'commit-timeout',
]);
export const INSTALL_FAULTS: ReadonlySet<string> = new Set([
  ...LEADER_FAULTS,
  'ready-to-switch-timeout',
  'impede-stabilization',
]);

/** Faults that start a view installation by themselves (the member is found and removed). */
function triggers(behaviours: readonly string[], guarantee: WorkloadGuarantee): boolean {
  return behaviours.some(
    (b) =>
      b === 'crash' ||
      b === 'silent' ||
      b === 'mutant' ||
      (b === 'impede-total-order' && guarantee !== 'fifo'),
  );
}

/** View 0's rank order: members with leader faults first, the others by id. */
export function initialRanks(byzantine: ByzantineSpec, ids: readonly NodeId[]): NodeId[] {
  const leads = (id: NodeId) => (byzantine.get(id) ?? []).some((b) => LEADER_FAULTS.has(b));
  return [...ids.filter(leads), ...ids.filter((id) => !leads(id))];
}

/**
 * A correct member that leaves the group, when a Table III fault is injected but nothing else
 * would start a view installation for it to strike in (the paper's double faults paired it with
 * a crash; a single one needs some installation to disturb): the last correct member by rank.
 */
export function plannedLeave(cfg: GroupWorldConfig, ranks: readonly NodeId[]): NodeId | undefined {
  const faults = [...cfg.byzantine.values()];
  const installFault = faults.some((bs) => bs.some((b) => INSTALL_FAULTS.has(b)));
  const crashes = cfg.crashes && cfg.f > cfg.byzantine.size;
  if (!installFault || crashes || faults.some((bs) => triggers(bs, cfg.guarantee))) return undefined;
  return [...ranks].reverse().find((id) => !cfg.byzantine.has(id));
}

/**
 * The faulty members that must be excluded by the end: those whose fault shows (a member that
 * only replays or sends malformed frames says nothing wrong that a correct member would not
 * refuse, and may stay). A member that crashes must go too (outcome.ts adds it when it crashes).
 */
export function requiredExclusions(
  byzantine: ByzantineSpec,
  guarantee: WorkloadGuarantee,
): Map<Rank, SuspectCode> {
  const out = new Map<Rank, SuspectCode>();
  for (const [rank, bs] of byzantine) {
    if (bs.includes('silent')) out.set(rank, 'HEARTBEAT_TIMEOUT');
    else if (bs.includes('mutant')) out.set(rank, 'EQUIVOCATION');
    else if (bs.includes('impede-total-order') && guarantee !== 'fifo') out.set(rank, 'ORDER_STALL');
    else if (bs.includes('bad-new-view')) out.set(rank, 'BAD_NEW_VIEW');
    else if (bs.includes('bad-commit')) out.set(rank, 'BAD_COMMIT');
    else if (bs.includes('new-view-timeout')) out.set(rank, 'NEW_VIEW_TIMEOUT');
    else if (bs.includes('commit-timeout')) out.set(rank, 'COMMIT_TIMEOUT');
    else if (bs.includes('ready-to-switch-timeout')) out.set(rank, 'READY_TIMEOUT');
    else if (bs.includes('impede-stabilization')) out.set(rank, 'STABILIZE_TIMEOUT');
  }
  return out;
}

/**
 * Crashes: Byzantine members with `crash`, and with --crashes up to f - |byzantine| correct
 * members, so at most f members are faulty. Nobody restarts: a member that lost its state could
 * only come back through a join, which the simulator does not exercise.
 */
export function planGroupCrashes(rng: SeededRng, cfg: GroupWorldConfig, ids: readonly NodeId[]): CrashPlan[] {
  const byzCrash = [...cfg.byzantine].filter(([, bs]) => bs.includes('crash')).map(([id]) => id);
  const plans = planCrashes(rng, byzCrash, byzCrash.length, cfg.stableAtMs, false);
  if (cfg.crashes) {
    const correct = ids.filter((r) => !cfg.byzantine.has(r));
    plans.push(...planCrashes(rng, correct, Math.max(0, cfg.f - cfg.byzantine.size), cfg.stableAtMs, false));
  }
  return plans;
}
