/**
 * The wire envelope of a replicated service: what clients and replicas say to each other
 * (requests and replies), the ordering protocol's own messages carried inside, and the
 * state-transfer messages replicas exchange (checkpoints.ts, state-server.ts,
 * state-transfer.ts). One schema per protocol, built by `wireSchema`, so a frame decodes in one
 * pass into a typed message. Tags are wire numbers: never reuse one.
 */
import { DIGEST_BYTES, MAC_BYTES } from '../core/crypto-suite.js';
import { limits } from '../core/limits.js';
import {
  bool,
  bytes,
  fixedBytes,
  list,
  struct,
  u32,
  u64,
  union,
  type Infer,
  type Schema,
} from '../codec/schema.js';

/**
 * Bounds of the state-transfer messages. They keep every state message inside one frame
 * (limits.frameBytesMax): a digest list of `leavesMax` digests, or `piecesMax` pieces holding
 * `pieceBytesMax` bytes in all.
 */
export const stateLimits = {
  /** Pages of one checkpoint: the service's pages and the reply cache's together. */
  leavesMax: 65_536,
  /** Pages (or fragments of pages) asked for, or sent, in one message. */
  piecesMax: 1_024,
  /** Bytes of page data in one piece, and in one state-pages message at most. */
  pieceBytesMax: 2 * 1024 * 1024,
  /** The largest page a requester assembles (fragment by fragment); larger ones are refused. */
  pageBytesMax: 256 * 1024 * 1024,
} as const;

/** What a client says in a request: everything but its authenticator, which covers exactly this. */
export const requestCoreFields = {
  client: u32,
  requestId: u64,
  /** Every request of this client with an id at or below this one is settled (see reply-cache.ts). */
  lowWater: u64,
  readOnly: bool,
  op: bytes(limits.opBytesMax, 'op'),
} as const;

export const requestFields = {
  ...requestCoreFields,
  /**
   * The client's authenticator (request-auth.ts; PBFT, OSDI §4.1): one MAC per replica, in rank
   * order, over the fields above, so that a replica can tell a request its client sent from one a
   * Byzantine primary made up, however many hops it travelled.
   */
  auth: list(fixedBytes(MAC_BYTES, 'mac'), limits.membersMax, 'auth'),
} as const;

export const requestSchema = struct('Request', requestFields);

const digest = fixedBytes(DIGEST_BYTES, 'digest');

/** A page, or the part of it from `offset`, that a requester wants. */
const wantedPiece = struct('WantedPiece', { index: u32, offset: u32 });

/** Bytes [offset, offset + data.length) of page `index`, whose full encoding is `total` bytes. */
const pagePiece = struct('PagePiece', {
  index: u32,
  offset: u32,
  total: u32,
  data: bytes(stateLimits.pieceBytesMax, 'data'),
});

export function wireSchema<P>(protocol: Schema<P>) {
  return union('Wire', {
    request: [1, requestFields],
    reply: [
      2,
      {
        requestId: u64,
        /**
         * Answered from the replica's current state without ordering (read-only.ts): the client
         * counts such replies apart, towards its read quorum, never towards an ordered result.
         */
        readOnly: bool,
        /** The replica this one believes leads, so a client learns where to send next. */
        leaderHint: u32,
        result: bytes(limits.resultBytesMax, 'result'),
      },
    ],
    proto: [3, { msg: protocol }],
    /**
     * A replica fetching checkpoint `seq` (certified as `digest`) asks a peer for its page
     * digests (no pieces) or for these pages, each from an offset (a page larger than a piece
     * comes in fragments).
     */
    'state-query': [4, { seq: u64, digest, pieces: list(wantedPiece, stateLimits.piecesMax, 'pieces') }],
    /** The page digests (Merkle leaves) of checkpoint `seq`; none if the sender does not keep it. */
    'state-digests': [5, { seq: u64, digest, leaves: list(digest, stateLimits.leavesMax, 'leaves') }],
    /** Pieces of pages of checkpoint `seq`; none if the sender does not keep it. */
    'state-pages': [6, { seq: u64, digest, pieces: list(pagePiece, stateLimits.piecesMax, 'pieces') }],
  });
}

export type Wire<P> = Infer<ReturnType<typeof wireSchema<P>>>;
export type WireRequest = Extract<Wire<unknown>, { kind: 'request' }>;
export type WireReply = Extract<Wire<unknown>, { kind: 'reply' }>;
export type StateQuery = Extract<Wire<unknown>, { kind: 'state-query' }>;
export type StateDigests = Extract<Wire<unknown>, { kind: 'state-digests' }>;
export type StatePages = Extract<Wire<unknown>, { kind: 'state-pages' }>;
export type StateMessage = StateQuery | StateDigests | StatePages;
export type PagePiece = StatePages['pieces'][number];
export type WantedPiece = StateQuery['pieces'][number];
