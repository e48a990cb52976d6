/**
 * Which member implementation the TCP runtime hosts, and its wire codec: the one place to change
 * when the member changes. Today the no-membership stand-in (one view, no exclusion).
 */
import { codec, type Codec } from '../../codec/frame.js';
import type { Env, Protocol } from '../../core/env.js';
import type { GroupEvent, GroupMemberApi, GroupMemberConfig } from '../../protocols/itua/group-api.js';
import { ituaSchema, type ItuaMessage, type ItuaTimer } from '../../protocols/itua/index.js';
import { SingleViewMember } from '../../protocols/itua/single-view-member.js';

export type MemberWire = ItuaMessage;
export type MemberTimer = ItuaTimer;
export type HostedMember = Protocol<MemberWire, MemberTimer> & GroupMemberApi;

export const memberCodec: Codec<MemberWire> = codec(ituaSchema);

export function createMember(
  env: Env<MemberWire, MemberTimer, GroupEvent>,
  config: GroupMemberConfig,
): HostedMember {
  return new SingleViewMember(env, config);
}

/** True when the hosted member installs views after the first (exclusions and joins). */
export const memberHasMembership = false;
