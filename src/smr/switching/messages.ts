/**
 * What switching layers say to each other. `inner` carries one epoch's protocol message as bytes,
 * decoded strictly with that epoch's module schema by the receiver (layer.ts), so one wire schema
 * serves every protocol a cluster may switch to. `epoch-query` and `epoch-info` let a replica
 * that fell behind learn the current epoch from f+1 peers. Tags are wire numbers: never reuse one.
 */
import { DIGEST_BYTES } from '../../core/crypto-suite.js';
import { limits } from '../../core/limits.js';
import { bytes, fixedBytes, u32, u64, union, type Infer } from '../../codec/schema.js';

export const switchingSchema = union('Switching', {
  inner: [1, { epoch: u32, body: bytes(limits.frameBytesMax, 'body') }],
  /** "I am in `epoch`": peers in a later epoch answer with an epoch-info. */
  'epoch-query': [2, { epoch: u32 }],
  /**
   * The sender's current epoch: the admin-signed command that started it (a system op), the
   * global seq it started after, and the state digest at that seq.
   */
  'epoch-info': [
    3,
    {
      epoch: u32,
      op: bytes(limits.opBytesMax, 'op'),
      base: u64,
      digest: fixedBytes(DIGEST_BYTES, 'digest'),
    },
  ],
});

export type SwitchingMessage = Infer<typeof switchingSchema>;
export type EpochInfo = Extract<SwitchingMessage, { kind: 'epoch-info' }>;
