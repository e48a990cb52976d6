/**
 * What the group simulator expects of each injected fault: whether it stops born order (which
 * cannot advance past a member that sends nothing until the membership layer excludes it), and
 * which suspicion every correct member must end up raising against the faulty member.
 */
import type { NodeId } from '../../core/ids.js';
import type { SeededRng } from '../../core/rng.js';
import type { Rank, SuspectCode } from '../../protocols/itua/index.js';
import { planCrashes, type ByzantineSpec, type CrashPlan } from '../faults.js';
import type { GroupWorldConfig, WorkloadGuarantee } from './config.js';

/** Behaviours after which the order waits forever for the member's next number. */
const BLOCKING = new Set(['silent', 'crash', 'impede-total-order']);

export function blocksBornOrder(behaviour: string): boolean {
  return BLOCKING.has(behaviour);
}

/**
 * The detection each behaviour calls for, strongest first: a member that sends nothing is found
 * by its missing stability arrays; a mutant by its two signed digests; one that impedes the
 * order by the order's stall (only where the workload orders anything). Other behaviours
 * (replay, malformed, slow, ...) need not be detected: what they send is refused or harmless.
 * A member that crashes is found by its silence (outcome.ts adds that when the crash happens).
 */
export function requiredDetections(
  byzantine: ByzantineSpec,
  guarantee: WorkloadGuarantee,
): Map<Rank, SuspectCode> {
  const out = new Map<Rank, SuspectCode>();
  for (const [rank, behaviours] of byzantine) {
    if (behaviours.includes('silent')) out.set(rank, 'STABILITY_TIMEOUT');
    else if (behaviours.includes('mutant')) out.set(rank, 'EQUIVOCATION');
    else if (behaviours.includes('impede-total-order') && guarantee !== 'fifo') out.set(rank, 'ORDER_STALL');
  }
  return out;
}

/**
 * Crashes: Byzantine members with `crash`, and with --crashes up to f - |byzantine| correct
 * members, so at most f members are faulty. Nobody restarts: a member that lost its state could
 * only come back through the membership layer (a join), which comes later.
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
