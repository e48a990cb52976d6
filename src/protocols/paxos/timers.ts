/**
 * Paxos's tuning and its defaults; `ProtocolConfig.tuning` overrides any of them by name.
 *
 * `logSize` (L) bounds the slots a leader may open above the last stable checkpoint; it must be
 * at least twice the replica node's checkpoint interval, so the leader keeps proposing while the
 * next checkpoint becomes stable (as PBFT's L = 2K, OSDI §4.3).
 */
import { assert } from '../../core/assert.js';
import { limits } from '../../core/limits.js';
import { PROMISE_ENTRIES_MAX } from './messages.js';

export interface PaxosTuning {
  /** Requests in one batch at most, and their op bytes at most. */
  readonly batchMax: number;
  readonly batchBytesMax: number;
  /** How long the leader waits to fill a batch (0: only what arrived in the same event turn). */
  readonly batchDelayMs: number;
  /** Batches proposed and not yet chosen, at most (the pipeline window). */
  readonly pipelineMax: number;
  /** L: slots open above the last stable checkpoint, at most. */
  readonly logSize: number;
  /** Requests the leader keeps waiting for a batch, at most; beyond it new ones are dropped. */
  readonly pendingMax: number;
  /** The period of the replica's tick: heartbeats, retransmissions, failure detection. */
  readonly tickMs: number;
  /** The leader sends a heartbeat (a commit) when it sent nothing for this long. */
  readonly heartbeatMs: number;
  /** A follower that heard nothing from the leader for this long (plus up to as much at random) runs phase 1. */
  readonly electionTimeoutMs: number;
  /** The election timeout doubles per failed election in a row, up to this. */
  readonly timeoutMsMax: number;
  /** Accepts and prepares not answered within this are sent again. */
  readonly resendMs: number;
  /** A replica whose execution stalled on a gap this long fetches what it lacks. */
  readonly fetchMs: number;
  /** Slots one fetch asks for, and one answer covers, at most. */
  readonly fetchSeqsMax: number;
  /** A replica resends its latest checkpoint this often (copies may be lost; a peer may still wait for it). */
  readonly checkpointResendMs: number;
  /** Bytes of request ops in one promise at most; the rest comes in further promises. */
  readonly promiseBytesMax: number;
}

export const defaultTuning: PaxosTuning = {
  batchMax: 256,
  batchBytesMax: 1024 * 1024,
  batchDelayMs: 0,
  pipelineMax: 8,
  logSize: 512,
  pendingMax: 65_536,
  tickMs: 25,
  heartbeatMs: 50,
  electionTimeoutMs: 300,
  timeoutMsMax: 4_000,
  resendMs: 100,
  fetchMs: 40,
  fetchSeqsMax: 32,
  checkpointResendMs: 300,
  promiseBytesMax: 1024 * 1024,
};

export function resolveTuning(overrides: Readonly<Record<string, number>> | undefined): PaxosTuning {
  const t: Record<string, number> = { ...defaultTuning };
  for (const [k, v] of Object.entries(overrides ?? {})) if (k in t && Number.isFinite(v) && v >= 0) t[k] = v;
  const tuning = t as unknown as PaxosTuning;
  assert(tuning.batchMax >= 1 && tuning.batchMax <= limits.batchRequestsMax, 'paxos: batchMax out of range');
  assert(tuning.logSize >= 2 && tuning.logSize <= PROMISE_ENTRIES_MAX, 'paxos: logSize out of range');
  assert(tuning.pipelineMax >= 1 && tuning.fetchSeqsMax >= 1, 'paxos: pipelineMax, fetchSeqsMax >= 1');
  assert(tuning.tickMs >= 1 && tuning.electionTimeoutMs >= 1, 'paxos: tickMs, electionTimeoutMs >= 1');
  return tuning;
}
