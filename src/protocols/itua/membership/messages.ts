/**
 * The group membership layer's messages (seed 003, "Group Membership Protocol"; Table III) and
 * the statements members sign, and `groupWireSchema`: one union for everything an ITUA member
 * sends, the stack's messages (tags 1..6) and these (tags 20..). Tags are wire numbers: never
 * reuse one. Every list is bounded.
 */
import { DIGEST_BYTES, SIGNATURE_BYTES } from '../../../core/crypto-suite.js';
import { limits } from '../../../core/limits.js';
import {
  fixedBytes,
  list,
  optional,
  struct,
  u16,
  u32,
  u64,
  u8,
  union,
  type Infer,
} from '../../../codec/schema.js';
import { ituaVariants, type ItuaMessage } from '../messages.js';

export const membershipLimits = {
  /** Signed suspicions one New-View or Need-More-Change may carry (f+1 per member removed). */
  justificationMax: 1024,
  /** Members of one view. */
  membersMax: limits.membersMax,
} as const;

const view = u32;
const rank = u16;
const round = u32;
const node = u32;
const digest = fixedBytes(DIGEST_BYTES, 'digest');
const sig = fixedBytes(SIGNATURE_BYTES, 'signature');

/** One signed suspicion, as carried in a justification: `by` suspects `target` in the view. */
export const suspectEntrySchema = struct('SuspectEntry', { by: rank, target: rank, sig });
export type SuspectEntry = Infer<typeof suspectEntrySchema>;

/** One Ack-New-View signature of a Commit's certificate. */
export const ackEntrySchema = struct('AckEntry', { rank, sig });
export type AckEntry = Infer<typeof ackEntrySchema>;

const justification = list(suspectEntrySchema, membershipLimits.justificationMax, 'justification');
const kept = list(rank, membershipLimits.membersMax, 'kept');

export const membershipVariants = {
  /** `by` suspects `target` (code: an index into SUSPECT_CODES, for operators). By == target: it leaves. */
  'gm-suspect': [20, { view, by: rank, target: rank, code: u8, sig }],
  /** A signed heartbeat: a member silent for the heartbeat timeout is suspected. */
  'gm-heartbeat': [21, { view, beat: u32, sig }],
  /** The leader's proposal: the ranks kept in the next view, a joiner, and why each other member goes. */
  'gm-new-view': [22, { view, round, leader: rank, kept, joiner: optional(node), justification, sig }],
  /** A member acknowledges a valid New-View (sent to its leader). */
  'gm-ack': [23, { view, round, leader: rank, digest, sig }],
  /** The leader commits its proposal with 2f+1 acknowledgements. */
  'gm-commit': [
    24,
    {
      view,
      round,
      leader: rank,
      kept,
      joiner: optional(node),
      acks: list(ackEntrySchema, membershipLimits.membersMax, 'acks'),
      sig,
    },
  ],
  // 25: retired (a signed Ready-to-Switch, relayed in proofs; proofs now carry Stable votes).
  /**
   * Ready-to-Switch, with what this member holds of each sender (the message stabilization's
   * input). Only its sender sends it, so the authenticated channel stands for a signature.
   */
  'gm-ready': [
    30,
    { view, round, leader: rank, digest, rank, counts: list(u64, membershipLimits.membersMax, 'counts') },
  ],
  /** Need-More-Change: the committed proposal keeps members that f+1 suspect; here is why. */
  'gm-nmc': [26, { view, round, leader: rank, justification, sig }],
  /** A node outside the group asks to join (seed 003, Heal): signed with its own key. */
  'gm-join': [27, { node, sig }],
  /** To a joiner: the view it was admitted to (it believes f+1 identical ones). */
  'gm-welcome': [28, { view, members: list(node, membershipLimits.membersMax, 'members'), sig }],
  /**
   * Stable: its signer holds every message up to `cut` of the decided proposal `digest`, and
   * votes for installing it with that cut (once per view; relayed to members that lag behind).
   */
  'gm-stable': [29, { view, digest, rank, cut: list(u64, membershipLimits.membersMax, 'cut'), sig }],
} as const;

export const membershipSchema = union('ItuaMembership', membershipVariants);
export type MembershipMessage = Infer<typeof membershipSchema>;

/** Everything an ITUA group member sends: the per-view stack's messages and the membership layer's. */
export const groupWireSchema = union('ItuaGroup', { ...ituaVariants, ...membershipVariants });
export type GroupWire = ItuaMessage | MembershipMessage;

export type SuspectMessage = Extract<MembershipMessage, { kind: 'gm-suspect' }>;
export type NewViewMessage = Extract<MembershipMessage, { kind: 'gm-new-view' }>;
export type AckMessage = Extract<MembershipMessage, { kind: 'gm-ack' }>;
export type CommitMessage = Extract<MembershipMessage, { kind: 'gm-commit' }>;
export type ReadyMessage = Extract<MembershipMessage, { kind: 'gm-ready' }>;
export type NmcMessage = Extract<MembershipMessage, { kind: 'gm-nmc' }>;
export type JoinMessage = Extract<MembershipMessage, { kind: 'gm-join' }>;
export type WelcomeMessage = Extract<MembershipMessage, { kind: 'gm-welcome' }>;
export type StableMessage = Extract<MembershipMessage, { kind: 'gm-stable' }>;

const domain = u32;

/** What the statements cover. A proposal is named by its digest; the justification is checked on its own. */
export const proposalSchema = struct('ItuaProposal', {
  domain,
  view,
  round,
  leader: rank,
  kept,
  joiner: optional(node),
});
export const suspectStatementSchema = struct('ItuaSuspectStatement', {
  domain,
  view,
  by: rank,
  target: rank,
});
export const ackStatementSchema = struct('ItuaAckStatement', { domain, digest, rank });
export const stableStatementSchema = struct('ItuaStableStatement', {
  domain,
  view,
  digest,
  rank,
  cut: list(u64, membershipLimits.membersMax, 'cut'),
});
export const beatStatementSchema = struct('ItuaBeatStatement', { domain, view, rank, beat: u32 });
export const nmcStatementSchema = struct('ItuaNmcStatement', { domain, view, round, leader: rank, rank });
export const joinStatementSchema = struct('ItuaJoinStatement', { domain, node });
export const welcomeStatementSchema = struct('ItuaWelcomeStatement', {
  domain,
  view,
  members: list(node, membershipLimits.membersMax, 'members'),
});

/** Domain numbers ('IG' then a purpose letter and a version digit, in ASCII). */
export const GM_DOMAIN = {
  proposal: 0x4947_5031, // "IGP1": a New-View's proposal
  commit: 0x4947_4331, // "IGC1": a Commit of a proposal
  suspect: 0x4947_5331, // "IGS1"
  ack: 0x4947_4131, // "IGA1"
  // 0x4947_5231 "IGR1": retired with the signed Ready-to-Switch.
  beat: 0x4947_4831, // "IGH1"
  nmc: 0x4947_4e31, // "IGN1"
  join: 0x4947_4a31, // "IGJ1"
  welcome: 0x4947_5731, // "IGW1"
  stable: 0x4947_5631, // "IGV1": a vote for installing a proposal with a cut
} as const;
