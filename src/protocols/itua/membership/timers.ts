/**
 * The membership layer's timers and tuning (seed 003: "Each of the three phases of the view
 * installation has timers to ensure liveness"). The paper's experiments used 4-second timeouts
 * (`paperTimeouts`); our defaults are shorter, since a simulated or loopback network answers in
 * milliseconds. Any of them can be overridden by name through `GroupMemberConfig.tuning`.
 */
export interface MembershipTuning {
  /** A signed heartbeat goes out this often. */
  readonly heartbeatMs: number;
  /** A member not heard from for this long is suspected (HEARTBEAT_TIMEOUT). */
  readonly heartbeatTimeoutMs: number;
  /** After f+1 suspicions, the leader must send a New-View within this long. */
  readonly newViewTimeoutMs: number;
  /** After acknowledging a New-View, its leader must send the Commit within this long. */
  readonly commitTimeoutMs: number;
  /** After a valid Commit, every member of the next view must send Ready-to-Switch within this long. */
  readonly readyTimeoutMs: number;
  /** Message stabilization must deliver up to the agreed cut within this long. */
  readonly stabilizeTimeoutMs: number;
  /** While a view installation is under way, members repeat their latest messages this often. */
  readonly resendMs: number;
  /** A joining node repeats its request this often. */
  readonly joinRetryMs: number;
}

export const defaultMembershipTuning: MembershipTuning = {
  heartbeatMs: 250,
  heartbeatTimeoutMs: 1_000,
  newViewTimeoutMs: 600,
  commitTimeoutMs: 600,
  readyTimeoutMs: 600,
  stabilizeTimeoutMs: 1_000,
  resendMs: 200,
  joinRetryMs: 300,
};

/** The paper's timeouts (seed 003, "Results for Group Membership": 4 seconds), as tuning overrides. */
export const paperTimeouts: Readonly<Record<string, number>> = {
  newViewTimeoutMs: 4_000,
  commitTimeoutMs: 4_000,
  readyTimeoutMs: 4_000,
  stabilizeTimeoutMs: 4_000,
  heartbeatTimeoutMs: 4_000,
};

export function resolveMembershipTuning(
  overrides: Readonly<Record<string, number>> | undefined,
): MembershipTuning {
  const t: Record<string, number> = { ...defaultMembershipTuning };
  for (const [k, v] of Object.entries(overrides ?? {})) if (k in t && Number.isFinite(v) && v >= 0) t[k] = v;
  return t as unknown as MembershipTuning;
}

export type MembershipTimer =
  | {
      readonly kind: 'gm.nv' | 'gm.commit' | 'gm.ready' | 'gm.stab' | 'gm.resend' | 'gm.beat';
      readonly view: number;
    }
  | { readonly kind: 'gm.join' };
