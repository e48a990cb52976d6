/**
 * Repetition during a view installation (seed 003 assumes reliable channels; ours lose frames):
 * while an installation lasts, a member repeats its latest messages every `resendMs`, so that no
 * loss can stall it.
 */
import type { Rank } from '../layer.js';
import { ackMessage } from './build.js';
import type { AgreementHost } from './host.js';
import type { MembershipMessage } from './messages.js';
import type { Proposal } from './signing.js';

export interface Latest {
  /** My latest acknowledgement: repeated to the leader it acknowledged (unless that is me). */
  readonly acked?: {
    readonly proposal: Proposal;
    readonly digest: Uint8Array;
    readonly to: Rank;
    readonly sig: Uint8Array;
  };
  /** What the whole view is told again (absent entries are skipped). */
  readonly broadcast: readonly (MembershipMessage | undefined)[];
}

/** The next repeat, `slower` times the usual delay from now. */
export function armResend(host: AgreementHost, slower = 1): void {
  host.setTimer(host.tuning.resendMs * slower, { kind: 'gm.resend', view: host.view.id });
}

export function resend(host: AgreementHost, latest: Latest, slower = 1): void {
  armResend(host, slower);
  const a = latest.acked;
  if (a !== undefined && a.to !== host.self) host.send(a.to, ackMessage(a.proposal, a.digest, a.sig));
  for (const m of latest.broadcast) if (m !== undefined) host.broadcast(m);
}
