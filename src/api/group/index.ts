/**
 * Group communication for applications: `GroupChannel` over the ITUA stack (README.md), and the
 * types it speaks in.
 */
export {
  GroupChannel,
  type ChannelEvent,
  type Delivery,
  type JoinOptions,
  type MulticastOptions,
  type ViewChange,
} from './channel.js';
export { GroupError, type GroupErrorCode } from '../../runtime/group/errors.js';
export type { GroupView } from '../../protocols/itua/group-api.js';
export type { Guarantee } from '../../protocols/itua/index.js';
export { loadGroupFile, type GroupSpec } from '../../runtime/group/group-file.js';
export { multicastBytesMax } from '../../runtime/group/multicast-queue.js';
