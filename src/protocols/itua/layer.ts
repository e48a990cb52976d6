/**
 * The shape every ITUA layer shares (seed 003, "The Ensemble Architecture": a layer is a set of
 * event handlers for events from the layer below, from the layer above, and from timers). A
 * layer acts only through its LayerEnv, which the composition (stack.ts) wires to the layers
 * around it and to the node's Env; events between layers are queued and run after the handler
 * that raised them returns, like Ensemble's event queues.
 */
import type { CryptoSuite } from '../../core/crypto-suite.js';
import type { Evidence, Logger, TimerKey } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { Rng } from '../../core/rng.js';
import type { ProofMessage } from './messages.js';

/** A member's rank in its view: 0..n-1, the paper's p_0..p_{n-1}. */
export type Rank = number;

/** The view a stack runs in. A view change builds a new stack (as Ensemble does); this one never changes. */
export interface ViewInfo {
  /** The view number: every message and timer carries it, and other views' are ignored. */
  readonly id: number;
  /** The members' node ids in rank order. */
  readonly members: readonly NodeId[];
  /** Faults tolerated: floor((n-1)/3). */
  readonly f: number;
  /** Replies a certificate needs: 2f+1 when n = 3f+1 (ceil((n+f+1)/2) in general). */
  readonly quorum: number;
}

export interface Layer<In, Request, T extends TimerKey> {
  start(): void;
  /** An event from the layer below (for the lowest layers, a message from a member). */
  onMessage(from: Rank, message: In): void;
  /** A request from the layer above. */
  onRequest(request: Request): void;
  onTimer(timer: T): void;
}

export interface LayerEnv<Net, Out, T extends TimerKey> {
  readonly self: Rank;
  readonly view: ViewInfo;
  readonly crypto: CryptoSuite;
  readonly log: Logger;
  /** The node id of a member, or undefined for a rank outside the view. */
  nodeOf(rank: Rank): NodeId | undefined;
  send(to: Rank, message: Net): void;
  /** To every other member of the view. */
  broadcast(message: Net): void;
  setTimer(afterMs: number, timer: T): void;
  cancelTimer(timer: T): void;
  now(): number;
  random(): Rng;
  /** An event for the layers around this one; the composition routes it. */
  emit(out: Out): void;
}

/**
 * Why a member is suspected: a closed set of codes, safe as metric labels. Timeout codes come
 * from timers and can be wrong while the network is bad; every other code comes with evidence
 * that a correct member never produces.
 */
export type SuspectCode =
  | 'EQUIVOCATION'
  | 'BAD_SIGNATURE'
  | 'BAD_CERTIFICATE'
  | 'BAD_PROOF'
  | 'MALFORMED'
  | 'NOT_SENDER'
  | 'BAD_BODY'
  | 'ORDER_NOT_IN_PARTITION'
  | 'ORDER_NOT_INCREASING'
  | 'ORDER_SKIP_TOO_FAR'
  | 'STABILITY_TIMEOUT'
  | 'ORDER_STALL'
  // The membership layer's (membership/validate.ts, membership/agreement.ts):
  | 'BAD_NEW_VIEW'
  | 'BAD_COMMIT'
  | 'BAD_MEMBERSHIP'
  | 'HEARTBEAT_TIMEOUT'
  | 'NEW_VIEW_TIMEOUT'
  | 'COMMIT_TIMEOUT'
  | 'READY_TIMEOUT'
  | 'STABILIZE_TIMEOUT'
  | 'LEFT';

/** Every code, in a fixed order: a Suspect message carries a code as its index here. */
export const SUSPECT_CODES: readonly SuspectCode[] = [
  'EQUIVOCATION',
  'BAD_SIGNATURE',
  'BAD_CERTIFICATE',
  'BAD_PROOF',
  'MALFORMED',
  'NOT_SENDER',
  'BAD_BODY',
  'ORDER_NOT_IN_PARTITION',
  'ORDER_NOT_INCREASING',
  'ORDER_SKIP_TOO_FAR',
  'STABILITY_TIMEOUT',
  'ORDER_STALL',
  'BAD_NEW_VIEW',
  'BAD_COMMIT',
  'BAD_MEMBERSHIP',
  'HEARTBEAT_TIMEOUT',
  'NEW_VIEW_TIMEOUT',
  'COMMIT_TIMEOUT',
  'READY_TIMEOUT',
  'STABILIZE_TIMEOUT',
  'LEFT',
];

export const TIMEOUT_CODES: ReadonlySet<SuspectCode> = new Set<SuspectCode>([
  'STABILITY_TIMEOUT',
  'ORDER_STALL',
  'HEARTBEAT_TIMEOUT',
  'NEW_VIEW_TIMEOUT',
  'COMMIT_TIMEOUT',
  'READY_TIMEOUT',
  'STABILIZE_TIMEOUT',
]);

/** The paper's `suspect(rank, reason)`: what the membership layer consumes. */
export interface SuspectReason extends Evidence {
  readonly code: SuspectCode;
  readonly rank: Rank;
  /** For EQUIVOCATION: the two signed digests, which any third party can check. */
  readonly proof?: ProofMessage;
}

export interface Suspicion {
  readonly kind: 'suspect';
  readonly reason: SuspectReason;
}

export function suspicion(rank: Rank, code: SuspectCode, detail?: string, proof?: ProofMessage): Suspicion {
  return { kind: 'suspect', reason: { rank, code, detail, proof } };
}
