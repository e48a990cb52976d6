/** The sequencer's messages (see README.md for the protocol). Tags are wire numbers: never reuse one. */
import { limits } from '../../core/limits.js';
import { list, u64, union, type Infer } from '../../codec/schema.js';
import { requestSchema } from '../../smr/messages.js';

export const sequencerSchema = union('Sequencer', {
  /** A follower passes a client's request on to the sequencer. */
  forward: [1, { request: requestSchema }],
  /** The sequencer's decision: batch `seq` holds these requests. */
  order: [2, { seq: u64, requests: list(requestSchema, limits.batchRequestsMax, 'requests') }],
  /** A follower that saw a gap asks for the batches from `fromSeq` on. */
  fetch: [3, { fromSeq: u64 }],
});

export type SequencerMessage = Infer<typeof sequencerSchema>;
export type OrderMessage = Extract<SequencerMessage, { kind: 'order' }>;
