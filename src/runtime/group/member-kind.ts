/**
 * Which member implementation the TCP runtime hosts, and its wire codec: the one place to change
 * when the member changes. The ITUA group member with membership (member.ts).
 */
import { codec, type Codec } from '../../codec/frame.js';
import type { Env, Protocol, TimerKey } from '../../core/env.js';
import type { GroupEvent, GroupMemberApi, GroupMemberConfig } from '../../protocols/itua/group-api.js';
import { GroupMember, groupWireSchema, type GroupWire } from '../../protocols/itua/index.js';

export type MemberWire = GroupWire;
export type MemberTimer = TimerKey;
export type HostedMember = Protocol<MemberWire, MemberTimer> & GroupMemberApi;

export const memberCodec: Codec<MemberWire> = codec(groupWireSchema);

export function createMember(
  env: Env<MemberWire, MemberTimer, GroupEvent>,
  config: GroupMemberConfig,
): HostedMember {
  return new GroupMember(env, config);
}

/** True when the hosted member installs views after the first (exclusions and joins). */
export const memberHasMembership = true;
