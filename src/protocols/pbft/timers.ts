/**
 * PBFT's tuning and its defaults; `ProtocolConfig.tuning` overrides any of them by name.
 *
 * `checkpointInterval` (K) must equal the replica node's checkpoint interval (smr takes a state
 * digest every K batches and hands it to `onExecuted`); `logSize` (L) is the distance between
 * the low and the high watermark and must be a multiple of K of at least 2K (OSDI §4.3: "L = 2K"
 * lets the primary keep ordering while the last checkpoint becomes stable).
 */
import { assert } from '../../core/assert.js';
import { limits } from '../../core/limits.js';
import { LOG_ENTRIES_MAX, Q_PER_SEQ_MAX } from './messages.js';

export interface PbftTuning {
  /** Requests in one batch at most, and their op bytes at most. */
  readonly batchMax: number;
  readonly batchBytesMax: number;
  /** How long the primary waits to fill a batch (0: only what arrived in the same event turn). */
  readonly batchDelayMs: number;
  /** Batches the primary has ordered and not yet executed, at most (the pipeline window). */
  readonly pipelineMax: number;
  /** K: a checkpoint every K sequence numbers. */
  readonly checkpointInterval: number;
  /** L: sequence numbers accepted above the last stable checkpoint (H = h + L). */
  readonly logSize: number;
  /** Client requests a replica keeps waiting for execution, at most; beyond it new ones are dropped. */
  readonly pendingMax: number;
  /** A backup starts a view change when a request waited this long (doubled per failed view change). */
  readonly requestTimeoutMs: number;
  /** T: how long to wait for the new-view once 2f+1 replicas want a view change (doubled per failure). */
  readonly viewChangeTimeoutMs: number;
  /** Both timeouts stop doubling at this. */
  readonly timeoutMsMax: number;
  /** A replica in a view change rebroadcasts its view-change this often (its first copy may be lost). */
  readonly viewChangeResendMs: number;
  /** A replica whose execution stalled on a gap this long fetches what it lacks. */
  readonly fetchMs: number;
  /** Sequence numbers one fetch asks for, and one answer covers, at most. */
  readonly fetchSeqsMax: number;
  /** Each replica broadcasts its status this often (how lagging and restarted replicas learn they are behind). */
  readonly statusMs: number;
  /** Requests the primary counts forwarded copies of, at most. */
  readonly forwardsMax: number;
  /** Requests a backup forwards to a new primary when a view starts, at most. */
  readonly forwardOnViewMax: number;
  /** Digests kept per seq in the Q set (pre-prepared in some view), at most. */
  readonly qPerSeqMax: number;
  /** How long a replica behind a stable checkpoint tries to reach it by fetching before it asks for state. */
  readonly stateWaitMs: number;
}

export const defaultTuning: PbftTuning = {
  batchMax: 256,
  batchBytesMax: 1024 * 1024,
  batchDelayMs: 0,
  pipelineMax: 8,
  checkpointInterval: 128,
  logSize: 256,
  pendingMax: 65_536,
  requestTimeoutMs: 500,
  viewChangeTimeoutMs: 500,
  timeoutMsMax: 8_000,
  viewChangeResendMs: 250,
  fetchMs: 40,
  fetchSeqsMax: 32,
  statusMs: 300,
  forwardsMax: 8_192,
  forwardOnViewMax: 256,
  qPerSeqMax: 4,
  stateWaitMs: 120,
};

export function resolveTuning(overrides: Readonly<Record<string, number>> | undefined): PbftTuning {
  const t: Record<string, number> = { ...defaultTuning };
  for (const [k, v] of Object.entries(overrides ?? {})) if (k in t && Number.isFinite(v) && v >= 0) t[k] = v;
  const tuning = t as unknown as PbftTuning;
  const { checkpointInterval: k, logSize: l } = tuning;
  assert(Number.isInteger(k) && k >= 1, `pbft: checkpointInterval must be a positive integer, got ${k}`);
  assert(
    l % k === 0 && l >= 2 * k,
    `pbft: logSize must be a multiple of checkpointInterval, at least 2x (${l}, ${k})`,
  );
  assert(l <= LOG_ENTRIES_MAX, `pbft: logSize must be at most ${LOG_ENTRIES_MAX}`);
  assert(tuning.batchMax >= 1 && tuning.batchMax <= limits.batchRequestsMax, 'pbft: batchMax out of range');
  assert(
    tuning.pipelineMax >= 1 && tuning.fetchSeqsMax >= 1,
    'pbft: pipelineMax and fetchSeqsMax must be >= 1',
  );
  assert(tuning.qPerSeqMax >= 1 && tuning.qPerSeqMax <= Q_PER_SEQ_MAX, 'pbft: qPerSeqMax out of range');
  return tuning;
}

/** A timeout after `failures` consecutive view changes without progress: doubled each time, capped. */
export function backedOff(baseMs: number, failures: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.min(failures, 20), Math.max(baseMs, maxMs));
}
