/** Multi-Paxos as a protocol module (see README.md). */
import { crashQuorum, maxFaults } from '../../core/quorum.js';
import type { ProtocolModule } from '../module.js';
import { paxosSchema, type PaxosMessage } from './messages.js';
import { PaxosReplica } from './replica.js';

export const paxos: ProtocolModule<PaxosMessage> = {
  name: 'paxos',
  schema: paxosSchema,
  quorum: (f) => crashQuorum(f),
  maxFaults: (n) => maxFaults('crash', n),
  // An acceptor that restarts without its promises could accept below a ballot it promised and
  // let two values be chosen; the Env has no durable storage, so a crashed replica stays down.
  recoversFromAmnesia: false,
  create: (env, config) => new PaxosReplica(env, config),
};

export type { PaxosMessage } from './messages.js';
export { defaultTuning as paxosDefaultTuning, type PaxosTuning } from './timers.js';
