/** The behaviour names `bulwark sim --byzantine` accepts, and their implementations. */
import type { Behaviour } from './behaviour.js';
import {
  corruptReply,
  crash,
  duplicate,
  equivocate,
  forge,
  malformed,
  mutant,
  replay,
  silent,
  slow,
} from './generic.js';

export const behaviourNames = [
  'silent',
  'crash',
  'slow',
  'duplicate',
  'replay',
  'malformed',
  'mutant',
  'equivocate',
  'forge',
  'corrupt-reply',
] as const;

export type BehaviourName = (typeof behaviourNames)[number];

export interface BehaviourOptions {
  /** The delay scale of `slow` (set it near the protocol's timeouts). */
  readonly slowMs: number;
}

export function makeBehaviour(name: BehaviourName, opts: BehaviourOptions): Behaviour {
  switch (name) {
    case 'silent':
      return silent;
    case 'crash':
      return crash;
    case 'slow':
      return slow(opts.slowMs);
    case 'duplicate':
      return duplicate;
    case 'replay':
      return replay;
    case 'malformed':
      return malformed;
    case 'mutant':
      return mutant;
    case 'equivocate':
      return equivocate;
    case 'forge':
      return forge;
    case 'corrupt-reply':
      return corruptReply;
  }
}

export type { AdversaryContext, Behaviour, Outgoing } from './behaviour.js';
