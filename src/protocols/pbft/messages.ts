/**
 * PBFT's messages (Castro and Liskov, OSDI 1999 §4; TOCS 2002), as one schema: the type and the
 * bounded decoder in one place. Tags are wire numbers: never reuse one. See README.md for what
 * each message does and which section of the papers it comes from.
 *
 * Authentication: normal-case messages (pre-prepare, prepare, commit, decided) carry an
 * authenticator, one MAC per replica in rank order over the message's `authBodySchema` encoding
 * (OSDI §5.2); checkpoint, view-change and new-view messages carry a signature over their
 * `signedSchema` encoding, since they must convince third parties (proofs and certificates).
 */
import { DIGEST_BYTES, MAC_BYTES, SIGNATURE_BYTES } from '../../core/crypto-suite.js';
import { limits } from '../../core/limits.js';
import { bool, fixedBytes, list, struct, u32, u64, union, type Infer } from '../../codec/schema.js';
import { requestSchema } from '../../smr/messages.js';

/** Entries of one view-change's P set, and pre-prepares of one new-view, at most (bounds the log size L). */
export const LOG_ENTRIES_MAX = 4096;
/** Digests one replica may report as pre-prepared for one sequence number (the Q set's bound per seq). */
export const Q_PER_SEQ_MAX = 4;

const digest = fixedBytes(DIGEST_BYTES, 'digest');
const signature = fixedBytes(SIGNATURE_BYTES, 'signature');
/** One MAC per replica, in rank order; the sender's own entry is zeros. */
const authenticator = list(fixedBytes(MAC_BYTES, 'mac'), limits.membersMax, 'authenticator');

/** The requests of one batch; an empty batch is the null request of a new view (OSDI §4.4). */
export const batchSchema = list(requestSchema, limits.batchRequestsMax, 'requests');

/** A replica's signature on checkpoint (seq, digest): 2f+1 of them make a stable-checkpoint proof. */
export const checkpointSigSchema = struct('CheckpointSig', { replica: u32, sig: signature });

/** ⟨n, d, v⟩: sequence number, batch digest, view (the P and Q sets of a view-change). */
export const entrySchema = struct('Entry', { seq: u64, digest, view: u64 });

/** One pre-prepare a new-view assigns: batch `digest` at `seq` (the null batch's digest for a gap). */
export const slotSchema = struct('Slot', { seq: u64, digest });

const viewChangeContent = {
  /** The view this replica wants to move to. */
  view: u64,
  replica: u32,
  /** Its last stable checkpoint and the 2f+1 signatures proving it (none for seq 0). */
  stableSeq: u64,
  stableDigest: digest,
  proof: list(checkpointSigSchema, limits.membersMax, 'proof'),
  /** P: for each seq above stableSeq, the batch it prepared in the latest view. */
  prepared: list(entrySchema, LOG_ENTRIES_MAX, 'prepared'),
  /** Q: for each seq above stableSeq, the batches it pre-prepared, each with the latest view. */
  prePrepared: list(entrySchema, LOG_ENTRIES_MAX * Q_PER_SEQ_MAX, 'prePrepared'),
} as const;

export const viewChangeSchema = struct('ViewChange', { ...viewChangeContent, sig: signature });

const newViewContent = {
  view: u64,
  /** The view-change messages the new primary decided from (at least 2f+1, one per replica). */
  viewChanges: list(viewChangeSchema, limits.membersMax, 'viewChanges'),
  /** What they decide: a batch digest for every seq from the chosen checkpoint to max-s. */
  prePrepares: list(slotSchema, LOG_ENTRIES_MAX, 'prePrepares'),
} as const;

export const pbftSchema = union('Pbft', {
  /** A backup passes a client's request on to the primary (OSDI §4.1). */
  request: [1, { request: requestSchema }],
  prePrepare: [2, { view: u64, seq: u64, digest, requests: batchSchema, auth: authenticator }],
  prepare: [3, { view: u64, seq: u64, digest, auth: authenticator }],
  commit: [4, { view: u64, seq: u64, digest, auth: authenticator }],
  checkpoint: [5, { seq: u64, digest, replica: u32, sig: signature }],
  viewChange: [6, { ...viewChangeContent, sig: signature }],
  newView: [7, { ...newViewContent, sig: signature }],
  /** Catch-up: resend what you have for seqs [fromSeq, toSeq] (in `view` for normal-case messages). */
  fetch: [8, { view: u64, fromSeq: u64, toSeq: u64 }],
  /** Catch-up: "batch `digest` committed at `seq` here"; f+1 matching claims decide it. */
  decided: [9, { seq: u64, digest, requests: batchSchema, auth: authenticator }],
  /** Catch-up: the contents of a batch the requester knows only by digest (from a new-view). */
  batch: [10, { seq: u64, digest, requests: batchSchema }],
  /** Where a replica stands; peers answer one that is behind with proofs (new-view, checkpoints). */
  status: [11, { view: u64, active: bool, stableSeq: u64, lastExecuted: u64 }],
});

/** What a normal-case authenticator covers: kind, view, seq and digest (the batch is bound by its digest). */
export const authBodySchema = union('PbftAuth', {
  prePrepare: [1, { view: u64, seq: u64, digest }],
  prepare: [2, { view: u64, seq: u64, digest }],
  commit: [3, { view: u64, seq: u64, digest }],
  decided: [4, { seq: u64, digest }],
});

/** What a signature covers: everything but the signature, tagged by kind (domain separation). */
export const signedSchema = union('PbftSigned', {
  checkpoint: [1, { seq: u64, digest, replica: u32 }],
  viewChange: [2, viewChangeContent],
  newView: [3, newViewContent],
});

export type PbftMessage = Infer<typeof pbftSchema>;
export type Kind<K extends PbftMessage['kind']> = Extract<PbftMessage, { kind: K }>;
export type RequestForward = Kind<'request'>;
export type PrePrepare = Kind<'prePrepare'>;
export type Prepare = Kind<'prepare'>;
export type Commit = Kind<'commit'>;
export type Checkpoint = Kind<'checkpoint'>;
export type ViewChange = Kind<'viewChange'>;
export type NewView = Kind<'newView'>;
export type Fetch = Kind<'fetch'>;
export type Decided = Kind<'decided'>;
export type BatchMessage = Kind<'batch'>;
export type Status = Kind<'status'>;
/** A view-change as carried inside a new-view (no `kind`). */
export type ViewChangeBody = Infer<typeof viewChangeSchema>;
export type Entry = Infer<typeof entrySchema>;
export type SlotAssignment = Infer<typeof slotSchema>;
export type CheckpointSig = Infer<typeof checkpointSigSchema>;
export type AuthBody = Infer<typeof authBodySchema>;
