/**
 * Bounds on everything that crosses a trust boundary (DESIGN.md §3). Schemas cite these, so a
 * decoder can never be made to allocate beyond a frame, and a peer cannot grow a buffer
 * without limit. Change a bound here, not at its use.
 */
export const limits = {
  /** The largest frame the transport accepts, header included. */
  frameBytesMax: 4 * 1024 * 1024,
  /** A client operation (a command to the service). */
  opBytesMax: 1024 * 1024,
  /** A reply's result. */
  resultBytesMax: 1024 * 1024,
  /** Requests in one batch. */
  batchRequestsMax: 4096,
  /** Bytes of requests in one batch. */
  batchBytesMax: 2 * 1024 * 1024,
  /** A short identifier or label in a message (a protocol name, a reason code). */
  labelBytesMax: 64,
  /** A free-text detail in a message. */
  textBytesMax: 1024,
  /** Members of one group. */
  membersMax: 256,
  /** Frames queued for one peer before the send policy applies. */
  peerQueueFramesMax: 65_536,
  /** Bytes queued for one peer before the send policy applies. */
  peerQueueBytesMax: 64 * 1024 * 1024,
} as const;
