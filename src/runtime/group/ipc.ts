/**
 * The messages between `launchGroup` (the parent) and a `bulwark group-member --ipc` process, over
 * Node's IPC channel with structured-clone serialization (so data stays bytes). Times are wall-
 * clock milliseconds with sub-millisecond precision (`performance.timeOrigin + performance.now()`),
 * comparable between processes of one machine, so a parent can measure delivery latencies.
 */
import type { Guarantee } from '../../protocols/itua/index.js';
import type { GroupErrorCode } from './errors.js';
import type { GroupReport } from './member-process.js';

export type ToMember =
  | {
      readonly kind: 'multicast';
      readonly id: number;
      readonly guarantee: Guarantee;
      readonly data: Uint8Array;
    }
  | { readonly kind: 'inject'; readonly behaviours: readonly string[] }
  | { readonly kind: 'leave' }
  | { readonly kind: 'stats?' };

export type FromMember =
  | { readonly kind: 'ready'; readonly atMs: number }
  | { readonly kind: 'report'; readonly report: GroupReport; readonly atMs: number }
  | {
      readonly kind: 'multicast-done';
      readonly id: number;
      readonly atMs: number;
      readonly error?: { readonly code: GroupErrorCode; readonly message: string };
    }
  | { readonly kind: 'injected'; readonly behaviours: readonly string[] }
  | { readonly kind: 'inject-failed'; readonly reason: string }
  | { readonly kind: 'stats'; readonly stats: MemberStats };

export interface MemberStats {
  readonly cpuMicros: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly decodeRejected: number;
  readonly sendDropped: number;
  readonly suspicions: Readonly<Record<string, number>>;
  readonly injected: readonly string[];
  readonly view?: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** Wall-clock milliseconds, sub-millisecond, comparable across processes of one machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
