/**
 * Invariant checkers. Each sees every observation the moment a node reports it (so a violation
 * is caught at the step that causes it) and may add findings when the run ends.
 */
import type { NodeId } from '../../core/ids.js';
import type { Observation } from '../../smr/observations.js';

export interface Violation {
  readonly invariant: string;
  readonly message: string;
  /** Virtual time and step at which it was seen. */
  readonly atMs: number;
  readonly step: number;
}

export interface CheckContext {
  readonly now: number;
  readonly step: number;
  /** Correct nodes follow the protocol; Byzantine ones are excluded from the invariants. */
  isCorrect(node: NodeId): boolean;
  /** The life of a node: a restart with no state starts a new incarnation. */
  incarnation(node: NodeId): number;
}

export interface EndContext extends CheckContext {
  /** Virtual time from which the network was good and at most f nodes faulty. */
  readonly stableAtMs: number;
  /** Requests invoked and never completed nor failed. */
  readonly outstanding: readonly { client: NodeId; requestId: number }[];
  readonly requestsInvoked: number;
  /** Replicas down when the run ended, and since when. */
  readonly down: readonly { node: NodeId; sinceMs: number }[];
}

export interface Checker {
  readonly name: string;
  observe(obs: Observation, ctx: CheckContext): string | undefined;
  finish?(ctx: EndContext): string[];
}

/** A cheap digest of bytes for comparisons inside one run (FNV-1a, 32 bits, plus the length). */
export function fingerprint(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return '-';
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.byteLength; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193) >>> 0;
  return `${bytes.byteLength}.${h.toString(36)}`;
}
