/**
 * Ordering protocols by name. A protocol a later issue brings is listed in `planned`, so the
 * CLI can say it is not available yet instead of pretending.
 */
import type { ProtocolModule } from './module.js';
import { paxos } from './paxos/index.js';
import { pbft } from './pbft/index.js';
import { sequencer } from './sequencer/index.js';

export const protocols: ReadonlyMap<string, ProtocolModule<unknown>> = new Map([
  [sequencer.name, sequencer as ProtocolModule<unknown>],
  [pbft.name, pbft as ProtocolModule<unknown>],
  [paxos.name, paxos as ProtocolModule<unknown>],
]);

/** Protocols on the roadmap (DESIGN.md §7), not yet built. */
export const planned: ReadonlyMap<string, string> = new Map([
  ['itua', 'the ITUA group communication stack arrives with roadmap step 4'],
  ['async', 'randomized asynchronous agreement arrives with roadmap step 5'],
  ['fab', 'FaB Paxos arrives with roadmap step 7'],
]);
