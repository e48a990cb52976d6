/**
 * The TCP transport (README.md): Noise IK handshakes, authenticated (optionally encrypted)
 * records, bounded queues and reconnection. The handshake and record functions are exported too,
 * so tests and tools can act as a raw peer on the wire.
 */
export { createTcpTransport, type TcpTransport } from './transport.js';
export { dials, settingsOf, type TcpPeer, type TcpSettings, type TcpTransportOptions } from './options.js';
export * from './noise.js';
export * from './framing.js';
export * from './handshake.js';
export { SendQueue, type Batch } from './send-queue.js';
