/**
 * One member of the crash-only membership baseline (crash-membership.ts) in its own process, for
 * the membership experiment's C-Ensemble curve: it reports each suspicion and each view to the
 * launching process with a wall-clock time, and dies on `crash` as a crashed process does.
 */
import { codec } from '../../codec/frame.js';
import {
  CrashMembership,
  crashMembershipSchema,
  type CrashMembershipEvent,
  type CrashMembershipMessage,
  type CrashMembershipTuning,
} from '../../protocols/itua/crash-membership.js';
import { buildMemberHost, type MemberSetup } from '../member-host.js';

export interface CrashMembershipSetup extends MemberSetup {
  readonly kind: 'crash-membership';
  readonly tuning?: Partial<CrashMembershipTuning>;
}

/** A membership event of a member, as the launching process sees it. */
export interface TimedMembershipEvent {
  readonly kind: 'cm-event';
  readonly id: number;
  readonly atMs: number;
  readonly event: CrashMembershipEvent;
}

export async function startCrashMembershipMember(
  setup: CrashMembershipSetup,
  report: (e: TimedMembershipEvent) => void,
): Promise<{ connected(): Promise<void>; close(): Promise<void> }> {
  const onEvent = (event: CrashMembershipEvent) =>
    report({ kind: 'cm-event', id: setup.self.id, atMs: performance.timeOrigin + performance.now(), event });
  const h = buildMemberHost<CrashMembershipMessage, CrashMembershipEvent>(
    setup,
    codec(crashMembershipSchema),
    onEvent,
  );
  await h.host.run(new CrashMembership(h.host.env(), h.members, setup.tuning));
  return { connected: () => h.connected(), close: () => h.host.close() };
}
