/**
 * What nodes report to the runtime through `deliver` at the top of their stack: the facts the
 * simulator's invariant checkers and the benchmarks read. Nothing here feeds back into a node.
 */
import type { NodeId } from '../core/ids.js';

export interface ExecutedRequest {
  readonly client: NodeId;
  readonly requestId: number;
  readonly op: Uint8Array;
  /** The result, or undefined if the request was skipped as already executed. */
  readonly result: Uint8Array | undefined;
}

export type Observation =
  /** A replica executed an ordered batch. */
  | {
      readonly kind: 'executed';
      readonly replica: NodeId;
      readonly seq: number;
      readonly requests: readonly ExecutedRequest[];
    }
  /** A client sent a new request (its first transmission). */
  | {
      readonly kind: 'invoked';
      readonly client: NodeId;
      readonly requestId: number;
      readonly op: Uint8Array;
      readonly readOnly: boolean;
      readonly at: number;
    }
  /** A client accepted a result on a quorum of matching replies. */
  | {
      readonly kind: 'completed';
      readonly client: NodeId;
      readonly requestId: number;
      readonly result: Uint8Array;
      readonly at: number;
      /**
       * Accepted on a quorum of read-only replies, without ordering (smr/read-only.ts): no
       * replica executed it, so the result is the service's answer to a query at some point
       * in the order, not one of the executed results.
       */
      readonly readOnly?: boolean;
    }
  /** A client gave up on a request after its retries. */
  | {
      readonly kind: 'failed';
      readonly client: NodeId;
      readonly requestId: number;
      readonly reason: string;
      readonly at: number;
    }
  /** A replica installed checkpoint `seq` by state transfer: it executed none of the batches up to it. */
  | { readonly kind: 'state-installed'; readonly replica: NodeId; readonly seq: number }
  /** A node reported a peer (protocol evidence). */
  | { readonly kind: 'suspected'; readonly by: NodeId; readonly node: NodeId; readonly code: string };
