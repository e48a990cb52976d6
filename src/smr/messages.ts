/**
 * The wire envelope of a replicated service: what clients and replicas say to each other
 * (requests and replies), and the ordering protocol's own messages carried inside. One schema
 * per protocol, built by `wireSchema`, so a frame decodes in one pass into a typed message.
 */
import { limits } from '../core/limits.js';
import { bool, bytes, struct, u32, u64, union, type Infer, type Schema } from '../codec/schema.js';

export const requestFields = {
  client: u32,
  requestId: u64,
  /** Every request of this client with an id at or below this one is settled (see reply-cache.ts). */
  lowWater: u64,
  readOnly: bool,
  op: bytes(limits.opBytesMax, 'op'),
} as const;

export const requestSchema = struct('Request', requestFields);

export function wireSchema<P>(protocol: Schema<P>) {
  return union('Wire', {
    request: [1, requestFields],
    reply: [
      2,
      {
        requestId: u64,
        /** The replica this one believes leads, so a client learns where to send next. */
        leaderHint: u32,
        result: bytes(limits.resultBytesMax, 'result'),
      },
    ],
    proto: [3, { msg: protocol }],
  });
}

export type Wire<P> = Infer<ReturnType<typeof wireSchema<P>>>;
export type WireRequest = Extract<Wire<unknown>, { kind: 'request' }>;
export type WireReply = Extract<Wire<unknown>, { kind: 'reply' }>;
