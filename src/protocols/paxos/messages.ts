/**
 * Multi-Paxos messages (Lamport, "Paxos Made Simple", 2001, cited "PMS §x"), as one schema: the
 * type and the bounded decoder in one place. Tags are wire numbers: never reuse one. See
 * README.md for what each message does.
 *
 * No message carries a MAC or a signature: under crash faults a replica never lies, and the
 * channel already authenticates the sender of every frame (net/).
 */
import { DIGEST_BYTES } from '../../core/crypto-suite.js';
import { limits } from '../../core/limits.js';
import { bool, fixedBytes, list, struct, u32, u64, union, type Infer } from '../../codec/schema.js';
import { requestSchema } from '../../smr/messages.js';

/** Entries one promise reports, at most (the log's bound L is at most this). */
export const PROMISE_ENTRIES_MAX = 4096;

const digest = fixedBytes(DIGEST_BYTES, 'digest');

/** A ballot (PMS §2.2, "proposal number"): a round, and the rank of the replica that owns it. */
export const ballotSchema = struct('Ballot', { round: u64, leader: u32 });

/** The requests of one batch; an empty batch is the no-op a new leader fills a gap with (PMS §3). */
export const batchSchema = list(requestSchema, limits.batchRequestsMax, 'requests');

/**
 * What an acceptor reports in a promise for one slot: the value it accepted there and in which
 * ballot, or, with `decided`, a value it knows is chosen (it outranks any ballot).
 */
export const entrySchema = struct('Entry', {
  seq: u64,
  ballot: ballotSchema,
  decided: bool,
  requests: batchSchema,
});

export const paxosSchema = union('Paxos', {
  /** A follower passes a client's request on to the leader. */
  forward: [1, { request: requestSchema }],
  /** Phase 1a for every slot from `fromSeq` on (Multi-Paxos: one phase 1 covers all open slots). */
  prepare: [2, { ballot: ballotSchema, fromSeq: u64 }],
  /**
   * Phase 1b: the acceptor promised `ballot`; these are its entries for slots [fromSeq, toSeq]
   * above its stable checkpoint; `done` says it has none beyond toSeq (else the candidate asks
   * for the rest). Slots at or below `stableSeq` are chosen and garbage-collected here.
   */
  promise: [
    3,
    {
      ballot: ballotSchema,
      fromSeq: u64,
      toSeq: u64,
      done: bool,
      stableSeq: u64,
      stableDigest: digest,
      entries: list(entrySchema, PROMISE_ENTRIES_MAX, 'entries'),
    },
  ],
  /** Phase 2a: the leader of `ballot` proposes this batch for slot `seq`. */
  accept: [4, { ballot: ballotSchema, seq: u64, requests: batchSchema }],
  /** Phase 2b: the acceptor accepted slot `seq` in `ballot`. */
  accepted: [5, { ballot: ballotSchema, seq: u64 }],
  /**
   * Learning, and the leader's heartbeat: every slot up to `committed` is chosen, with the value
   * the leader proposed in `ballot`. Sent when the leader's chosen prefix grows, and when idle.
   * It carries the leader's stable checkpoint, so a follower that missed the checkpoint votes
   * (or fetches a state no longer served) moves on to it.
   */
  commit: [6, { ballot: ballotSchema, committed: u64, stableSeq: u64, stableDigest: digest }],
  /** Your `ballot` lost: this acceptor promised `promised`, a higher one. */
  nack: [7, { ballot: ballotSchema, promised: ballotSchema }],
  /**
   * This replica executed batch `seq` and its state digest there is `digest`; its stable
   * checkpoint is `stableSeq` (a peer that missed the votes for it learns it here).
   */
  checkpoint: [8, { seq: u64, digest, stableSeq: u64, stableDigest: digest }],
  /** Catch-up: send me the chosen batches of slots [fromSeq, toSeq]. */
  fetch: [9, { fromSeq: u64, toSeq: u64 }],
  /** Catch-up: the batch chosen at `seq`. */
  decided: [10, { seq: u64, requests: batchSchema }],
  /** Catch-up: the batches you asked for are garbage-collected here; fetch the state at `seq`. */
  stable: [11, { seq: u64, digest }],
});

export type PaxosMessage = Infer<typeof paxosSchema>;
export type Kind<K extends PaxosMessage['kind']> = Extract<PaxosMessage, { kind: K }>;
export type Ballot = Infer<typeof ballotSchema>;
export type Entry = Infer<typeof entrySchema>;
export type Prepare = Kind<'prepare'>;
export type PromiseMessage = Kind<'promise'>;
export type Accept = Kind<'accept'>;
export type Accepted = Kind<'accepted'>;
export type Commit = Kind<'commit'>;
export type Nack = Kind<'nack'>;
export type CheckpointMessage = Kind<'checkpoint'>;
export type Fetch = Kind<'fetch'>;
export type Decided = Kind<'decided'>;
export type Stable = Kind<'stable'>;
