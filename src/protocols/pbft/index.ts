/** PBFT as a protocol module (see README.md). */
import { byzantineQuorum, maxFaults } from '../../core/quorum.js';
import type { ProtocolModule } from '../module.js';
import { pbftSchema, type PbftMessage } from './messages.js';
import { PbftReplica } from './replica.js';

export const pbft: ProtocolModule<PbftMessage> = {
  name: 'pbft',
  schema: pbftSchema,
  quorum: (f) => byzantineQuorum(f),
  maxFaults: (n) => maxFaults('byzantine', n),
  // A restarted replica learns the view from a signed new-view, the stable checkpoint from its
  // 2f+1 signatures, the state by transfer, and the rest through catch-up (README.md).
  recoversFromAmnesia: true,
  create: (env, config) => new PbftReplica(env, config),
};

export type { PbftMessage } from './messages.js';
export { defaultTuning as pbftDefaultTuning, type PbftTuning } from './timers.js';
