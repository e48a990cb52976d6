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
  /** A key of the key-value service (src/api/kv). */
  kvKeyBytesMax: 4096,
  /** A value of the key-value service: an op carrying it must still fit opBytesMax. */
  kvValueBytesMax: 512 * 1024,
  /** Keys named by one multi-key op (MGET, DEL, EXISTS). */
  kvKeysPerOpMax: 1024,
  /** Pages (hash buckets of keys) of the key-value state; fixed: part of the page format. */
  kvPageCount: 256,
  /** One encoded page at most: a write that would grow its bucket beyond it gets an error result. */
  kvPageBytesMax: 2 * 1024 * 1024,
  /** Arguments of one command at the Redis-protocol gateway (command name included). */
  respArgsMax: 1024 + 8,
  /** One command's bytes at the gateway (all its arguments with their framing). */
  respCommandBytesMax: 2 * 1024 * 1024,
  /** An inline command line at the gateway (Redis's own bound: PROTO_INLINE_MAX_SIZE). */
  respInlineBytesMax: 64 * 1024,
  /** Commands of one connection read and not yet answered; beyond it the gateway stops reading. */
  respPipelineMax: 1024,
  /** Reply bytes queued for one connection; beyond it the client is not reading and is dropped. */
  respOutputBytesMax: 64 * 1024 * 1024,
  /** Open connections at the gateway. */
  respConnectionsMax: 1024,
} as const;
