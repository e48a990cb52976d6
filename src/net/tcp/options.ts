/**
 * What a TCP transport is built from, the defaults of what may be left out, and the rule that
 * decides which side of a pair dials. Defaults for bounds come from core/limits.ts.
 */
import type { Logger } from '../../core/env.js';
import { isClientId, type NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import { silentLogger } from '../../core/log.js';

export interface TcpPeer {
  readonly id: NodeId;
  /** X25519 static public key, 32 raw bytes. */
  readonly dhPublicKey: Uint8Array;
  /** Where the peer listens; clients have none. */
  readonly host?: string;
  readonly port?: number;
}

export interface TcpTransportOptions {
  readonly self: NodeId;
  /** This node's X25519 static key pair, raw 32-byte values. */
  readonly dhPrivateKey: Uint8Array;
  readonly dhPublicKey: Uint8Array;
  /** Bound into every handshake (the Noise prologue). */
  readonly clusterName: string;
  /** Encrypt record payloads; authentication is always on. */
  readonly encryption: boolean;
  /** Every node this one may talk to; an entry for `self` is ignored. */
  readonly peers: readonly TcpPeer[];
  /** Where to accept connections; clients never listen. Port 0 picks a free port. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** The largest frame, its 4-byte length prefix included. */
  readonly frameBytesMax?: number;
  readonly peerQueueFramesMax?: number;
  readonly peerQueueBytesMax?: number;
  readonly reconnectDelayMsMin?: number;
  readonly reconnectDelayMsMax?: number;
  /** Time allowed from TCP connect to an authenticated, confirmed connection. */
  readonly handshakeTimeoutMs?: number;
  /** Accepted connections still in their handshake; more are cut at once. */
  readonly handshakesPendingMax?: number;
  /** Send an empty record on a connection idle this long (default 1 s). */
  readonly keepaliveMs?: number;
  /** Close a connection that received nothing this long (default 10 s). */
  readonly idleTimeoutMs?: number;
  /** How long close() waits for sockets to flush and end before cutting them. */
  readonly closeTimeoutMs?: number;
  readonly logger?: Logger;
}

/** The options with every default filled in. */
export interface TcpSettings {
  readonly frameBytesMax: number;
  readonly peerQueueFramesMax: number;
  readonly peerQueueBytesMax: number;
  readonly reconnectDelayMsMin: number;
  readonly reconnectDelayMsMax: number;
  readonly handshakeTimeoutMs: number;
  readonly handshakesPendingMax: number;
  readonly keepaliveMs: number;
  readonly idleTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly logger: Logger;
}

export function settingsOf(o: TcpTransportOptions): TcpSettings {
  return {
    frameBytesMax: o.frameBytesMax ?? limits.frameBytesMax,
    peerQueueFramesMax: o.peerQueueFramesMax ?? limits.peerQueueFramesMax,
    peerQueueBytesMax: o.peerQueueBytesMax ?? limits.peerQueueBytesMax,
    // 50 ms doubling to 2 s: a restarted peer is found within about 2 s, and a dead one costs
    // one failed connect every 1-2 s.
    reconnectDelayMsMin: o.reconnectDelayMsMin ?? 50,
    reconnectDelayMsMax: o.reconnectDelayMsMax ?? 2_000,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? 5_000,
    handshakesPendingMax: o.handshakesPendingMax ?? 128,
    keepaliveMs: o.keepaliveMs ?? 1_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 10_000,
    closeTimeoutMs: o.closeTimeoutMs ?? 1_000,
    logger: o.logger ?? silentLogger,
  };
}

/**
 * Who dials whom, computed the same way on both sides from the same cluster file: clients dial
 * replicas; between replicas that both listen, the lower id dials; a node that does not listen
 * dials every peer that does. One connection per pair, never a race between two.
 */
export function dials(self: NodeId, selfListens: boolean, peer: TcpPeer): boolean {
  if (peer.host === undefined || peer.port === undefined || isClientId(peer.id)) return false;
  if (isClientId(self) || !selfListens) return true;
  return self < peer.id;
}
