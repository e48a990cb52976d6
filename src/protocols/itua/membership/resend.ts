/**
 * Repetition during a view installation (seed 003 assumes reliable channels; ours lose frames):
 * while an installation lasts, a member repeats its latest messages every `resendMs`, so that no
 * loss can stall it.
 */
import type { Rank } from '../layer.js';
import type { AgreementHost } from './host.js';
import type { MembershipMessage } from './messages.js';

export interface Latest {
  /** My latest acknowledgement, to the leader it acknowledged. */
  readonly ack?: { readonly to: Rank; readonly msg: MembershipMessage };
  /** What the whole view is told again (absent entries are skipped). */
  readonly broadcast: readonly (MembershipMessage | undefined)[];
}

export function armResend(host: AgreementHost): void {
  host.setTimer(host.tuning.resendMs, { kind: 'gm.resend', view: host.view.id });
}

export function resend(host: AgreementHost, latest: Latest): void {
  armResend(host);
  if (latest.ack !== undefined) host.send(latest.ack.to, latest.ack.msg);
  for (const m of latest.broadcast) if (m !== undefined) host.broadcast(m);
}
