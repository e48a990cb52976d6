/**
 * A Byzantine behaviour rewrites what a corrupt node sends (STYLE.md: a decorator around the
 * rules, never a flag inside them). The protocol object of a corrupt node runs unchanged; the
 * world passes every frame it sends through the node's behaviours, in order.
 */
import type { Codec } from '../../codec/frame.js';
import type { CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';
import type { SeededRng } from '../../core/rng.js';

export interface Outgoing {
  readonly to: NodeId;
  readonly bytes: Uint8Array;
  /** Set on a frame that claims another sender: the channel authentication model rejects it. */
  readonly claimedFrom?: NodeId;
  /** Extra delay the adversary adds on top of the network's. */
  readonly extraDelayMs?: number;
}

export interface AdversaryContext {
  readonly self: NodeId;
  readonly rng: SeededRng;
  readonly codec: Codec<unknown>;
  /** The corrupt node's own keys: an attacker who owns a node signs and MACs as that node. */
  readonly crypto: CryptoSuite;
  /** The replicas, in rank order, and the faults the protocol tolerates. */
  readonly replicas: readonly NodeId[];
  readonly f: number;
  /** Every node of the world (replicas and clients). */
  readonly nodes: readonly NodeId[];
  now(): number;
  /** Frames this node sent recently (bounded), oldest first: material for replays. */
  readonly history: readonly Outgoing[];
}

export interface Behaviour {
  readonly name: string;
  /** What the node sends instead of `out` (possibly nothing, possibly several frames). */
  rewrite(ctx: AdversaryContext, out: Outgoing): Outgoing[];
}
