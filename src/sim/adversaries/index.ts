/**
 * The behaviour names `bulwark sim --byzantine` accepts, and their implementations: generic
 * ones that work on frames and the SMR envelope, and protocol-specific attacks that a protocol's
 * adversary module registers under its protocol's name (they may override a generic name, as a
 * protocol's own `equivocate` does). `twins` is not a rewrite: the world runs two copies of the
 * node under one identity (world.ts).
 */
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
import { ituaBehaviours } from './itua.js';
import { pbftBehaviours } from './pbft.js';
import { switchingBehaviours } from './switching.js';

export interface BehaviourOptions {
  /** The delay scale of `slow` (set it near the protocol's timeouts). */
  readonly slowMs: number;
}

export type BehaviourFactory = (opts: BehaviourOptions) => Behaviour;

const generic: Readonly<Record<string, BehaviourFactory>> = {
  silent: () => silent,
  crash: () => crash,
  slow: (o) => slow(o.slowMs),
  duplicate: () => duplicate,
  replay: () => replay,
  malformed: () => malformed,
  mutant: () => mutant,
  equivocate: () => equivocate,
  forge: () => forge,
  'corrupt-reply': () => corruptReply,
};

/** Behaviours the world implements itself rather than as a rewrite of frames. */
export const worldBehaviours = ['twins'] as const;

const byProtocol = new Map<string, Readonly<Record<string, BehaviourFactory>>>();

/** A protocol's adversary module registers its attacks here (see adversaries/README.md). */
export function registerProtocolBehaviours(
  protocol: string,
  factories: Readonly<Record<string, BehaviourFactory>>,
): void {
  byProtocol.set(protocol, factories);
}

export function behaviourNamesFor(protocol: string): string[] {
  return [
    ...new Set([...Object.keys(generic), ...worldBehaviours, ...Object.keys(byProtocol.get(protocol) ?? {})]),
  ];
}

/** The behaviour `name` for `protocol`, or undefined for a world behaviour (twins). */
export function makeBehaviour(protocol: string, name: string, opts: BehaviourOptions): Behaviour | undefined {
  const factory = byProtocol.get(protocol)?.[name] ?? generic[name];
  return factory?.(opts);
}

export type { AdversaryContext, Behaviour, Outgoing } from './behaviour.js';

registerProtocolBehaviours('itua', ituaBehaviours);
registerProtocolBehaviours('pbft', pbftBehaviours);
registerProtocolBehaviours('switching', switchingBehaviours);
