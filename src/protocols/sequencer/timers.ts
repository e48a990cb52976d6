/** The sequencer's tuning and its defaults; `ProtocolConfig.tuning` overrides any of them by name. */
export interface SequencerTuning {
  /** Requests in one batch at most. */
  readonly batchMax: number;
  readonly batchBytesMax: number;
  /** How long the sequencer waits to fill a batch (0: only what arrived in the same event turn). */
  readonly batchDelayMs: number;
  /** Requests waiting for a batch at most; beyond it new ones are dropped and clients retransmit. */
  readonly pendingMax: number;
  /** Batches the sequencer keeps for followers that lost some. */
  readonly logRetain: number;
  /** Batches a follower buffers ahead of the one it waits for. */
  readonly followWindow: number;
  /** How long a follower waits on a gap before it asks for the missing batches. */
  readonly syncMs: number;
  /** Batches resent for one fetch at most. */
  readonly fetchBatchesMax: number;
}

export const defaultTuning: SequencerTuning = {
  batchMax: 256,
  batchBytesMax: 1024 * 1024,
  batchDelayMs: 0,
  pendingMax: 65_536,
  logRetain: 4096,
  followWindow: 4096,
  syncMs: 50,
  fetchBatchesMax: 256,
};

export function resolveTuning(overrides: Readonly<Record<string, number>> | undefined): SequencerTuning {
  const t: Record<string, number> = { ...defaultTuning };
  for (const [k, v] of Object.entries(overrides ?? {})) if (k in t && Number.isFinite(v) && v >= 0) t[k] = v;
  return t as unknown as SequencerTuning;
}
