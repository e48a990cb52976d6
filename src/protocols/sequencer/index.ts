/** The central sequencer as a protocol module (see README.md). */
import { maxFaults, sequencerQuorum } from '../../core/quorum.js';
import type { ProtocolModule } from '../module.js';
import { sequencerSchema, type SequencerMessage } from './messages.js';
import { SequencerReplica } from './replica.js';

export const sequencer: ProtocolModule<SequencerMessage> = {
  name: 'sequencer',
  schema: sequencerSchema,
  quorum: () => sequencerQuorum(),
  maxFaults: () => maxFaults('none', 1),
  // A restarted sequencer would restart numbering with no memory of what it ordered.
  recoversFromAmnesia: false,
  create: (env, config) => new SequencerReplica(env, config),
};

export type { SequencerMessage } from './messages.js';
