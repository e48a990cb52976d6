/**
 * What a group world reports to its checkers: multicasts the applications made, deliveries,
 * views and suspicions the members output, exclusions, leaves and crashes. Members are named by
 * node id (view 0's ranks are a permutation of them: plan.ts), and a delivery's sender too.
 */
import type { GroupDelivery, Guarantee, Rank, SuspectCode } from '../../protocols/itua/index.js';

export type GroupObservation =
  | {
      readonly kind: 'multicast';
      readonly member: Rank;
      readonly index: number;
      readonly guarantee: Guarantee;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'deliver';
      readonly member: Rank;
      /** The view it was delivered in (0 when absent). */
      readonly view?: number;
      readonly delivery: GroupDelivery;
    }
  | { readonly kind: 'suspect'; readonly member: Rank; readonly suspect: Rank; readonly code: SuspectCode }
  | {
      readonly kind: 'view';
      readonly member: Rank;
      readonly view: number;
      readonly members: readonly Rank[];
      readonly left: readonly Rank[];
      readonly transitional: boolean;
    }
  /** The member learnt it was removed from the group. */
  | { readonly kind: 'excluded'; readonly member: Rank }
  /** The member's application asked to leave the group. */
  | { readonly kind: 'leave'; readonly member: Rank }
  | { readonly kind: 'crash'; readonly member: Rank };

/** Bytes that open every application multicast: origin rank (u16) and index (u32), big-endian. */
export const DATA_HEADER_BYTES = 6;

export function appData(origin: Rank, index: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(DATA_HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, origin);
  view.setUint32(2, index);
  out.set(payload, DATA_HEADER_BYTES);
  return out;
}

/** The origin and index an application multicast names, or undefined for bytes too short to be one. */
export function parseAppData(data: Uint8Array): { origin: Rank; index: number } | undefined {
  if (data.byteLength < DATA_HEADER_BYTES) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { origin: view.getUint16(0), index: view.getUint32(2) };
}

/** What checkers may ask of the world while it runs. */
export interface GroupCheckContext {
  readonly now: number;
  readonly step: number;
  /** Not Byzantine (a crashed member is correct up to its crash). */
  isCorrect(rank: Rank): boolean;
  /** Not crashed (yet). */
  isUp(rank: Rank): boolean;
  readonly stableAtMs: number;
  readonly graceMs: number;
}
