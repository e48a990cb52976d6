/**
 * Seed 003's group membership properties ("Group Membership Protocol"), checked the moment each
 * view installation is observed. Only correct members are judged.
 *
 * - membership-agreement: correct members that install view v install the same member set;
 * - self-inclusion: a view a correct member installs includes it;
 * - membership-integrity: a member removed from a view was suspected by at least one correct
 *   member of it, or asked to leave;
 * - membership-validity: a correct member that is up and did not ask to leave is not removed
 *   after the network stabilized (plus the grace period timeouts get);
 * - view-synchrony: correct members that move together from view v to v+1 delivered the same set
 *   of messages in v.
 *
 * Membership liveness (every faulty member excluded, everyone in one final view) is judged at the
 * end (outcome.ts).
 */
import type { GroupChecker } from './checkers.js';
import type { GroupObservation } from './observations.js';

export function membershipAgreementChecker(): GroupChecker {
  const views = new Map<number, { members: string; member: number }>();
  return {
    name: 'membership-agreement',
    observe(obs, ctx) {
      if (obs.kind !== 'view' || !ctx.isCorrect(obs.member)) return undefined;
      const members = obs.members.join(',');
      const first = views.get(obs.view);
      if (first === undefined) views.set(obs.view, { members, member: obs.member });
      else if (first.members !== members) {
        return `members ${first.member} and ${obs.member} installed view ${obs.view} as [${first.members}] and [${members}]`;
      }
      return undefined;
    },
  };
}

export function selfInclusionChecker(): GroupChecker {
  return {
    name: 'self-inclusion',
    observe(obs, ctx) {
      if (obs.kind !== 'view' || !ctx.isCorrect(obs.member) || obs.members.includes(obs.member))
        return undefined;
      return `member ${obs.member} installed view ${obs.view} without itself: [${obs.members.join(',')}]`;
    },
  };
}

/** Integrity and validity share what they must know: who suspected whom, and who left. */
export function removalChecker(): GroupChecker {
  const suspectedByCorrect = new Set<number>();
  const leavers = new Set<number>();
  return {
    name: 'membership-integrity',
    observe(obs, ctx) {
      if (obs.kind === 'suspect' && ctx.isCorrect(obs.member)) suspectedByCorrect.add(obs.suspect);
      if (obs.kind === 'leave') leavers.add(obs.member);
      if (obs.kind !== 'view' || !ctx.isCorrect(obs.member)) return undefined;
      for (const gone of obs.left) {
        if (leavers.has(gone)) continue;
        if (!suspectedByCorrect.has(gone)) {
          return `member ${obs.member} installed view ${obs.view} without ${gone}, which no correct member suspected`;
        }
        const late = ctx.now > ctx.stableAtMs + ctx.graceMs;
        if (late && ctx.isCorrect(gone) && ctx.isUp(gone)) {
          return `membership-validity: correct member ${gone} removed in view ${obs.view} at ${Math.round(ctx.now)} ms, after stabilization`;
        }
      }
      return undefined;
    },
  };
}

export function viewSynchronyChecker(): GroupChecker {
  /** Per member: the keys of what it delivered in its current view. */
  const delivered = new Map<number, string[]>();
  /** Per view v: the set delivered in v - 1 by the first correct member that moved to v. */
  const sets = new Map<number, { set: string; member: number }>();
  return {
    name: 'view-synchrony',
    observe(obs: GroupObservation, ctx) {
      if (!ctx.isCorrect(obs.member)) return undefined;
      if (obs.kind === 'deliver') {
        const list = delivered.get(obs.member) ?? [];
        list.push(`${obs.delivery.sender}:${obs.delivery.seq}`);
        delivered.set(obs.member, list);
        return undefined;
      }
      if (obs.kind !== 'view') return undefined;
      const list = delivered.get(obs.member);
      delivered.set(obs.member, []);
      // A member's first view (view 0, or the view it joined) follows no view of its own.
      if (list === undefined) return undefined;
      const set = [...list].sort().join(' ');
      const first = sets.get(obs.view);
      if (first === undefined) sets.set(obs.view, { set, member: obs.member });
      else if (first.set !== set) {
        return `members ${first.member} and ${obs.member} moved to view ${obs.view} having delivered different sets in view ${obs.view - 1}`;
      }
      return undefined;
    },
  };
}

export function membershipCheckers(): GroupChecker[] {
  return [membershipAgreementChecker(), selfInclusionChecker(), removalChecker(), viewSynchronyChecker()];
}
