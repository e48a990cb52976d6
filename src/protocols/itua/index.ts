/**
 * The ITUA group communication stack (seed 003), as far as this part of the issue goes: reliable
 * multicast with its Stable layer, and born-order total ordering, composed into one protocol
 * object per view. See README.md for how each handler maps to the paper.
 */
export { createItuaStack, ItuaStack, viewInfo, type StackConfig } from './stack.js';
export type { GroupDelivery, Guarantee } from './total.js';
export { bodyCodec } from './total.js';
export {
  SUSPECT_CODES,
  TIMEOUT_CODES,
  type Rank,
  type SuspectCode,
  type SuspectReason,
  type ViewInfo,
} from './layer.js';
export { ituaLimits, ituaSchema, bodySchema, type ItuaMessage, type ItuaBody } from './messages.js';
export { defaultTuning, resolveTuning, type ItuaTimer, type ItuaTuning } from './timers.js';
export { messageDigest, signDigest, verifyDigest } from './signing.js';
export { GroupMember, type GroupTimer } from './member.js';
export type { GroupEvent, GroupMemberApi, GroupMemberConfig, GroupView } from './group-api.js';
export {
  groupWireSchema,
  membershipSchema,
  type GroupWire,
  type MembershipMessage,
  type StableMessage,
} from './membership/messages.js';
export { defaultMembershipTuning, paperTimeouts, type MembershipTuning } from './membership/timers.js';
export { proposalDigest, signProposal, signCommit, type Proposal } from './membership/signing.js';
export { ituaVariants } from './messages.js';
