/**
 * The transport contract: authenticated frames between identified nodes. Implemented over TCP
 * (net/tcp) for real deployments; the simulator has its own network model and drives protocol
 * objects directly, so it does not go through this interface.
 *
 * A frame handed to `onFrame` was sent by `from`: the transport authenticated the channel
 * (mutual handshake, per-frame authentication, replay protection). What the frame says is
 * still hostile: the caller decodes it strictly.
 */
import type { NodeId } from '../core/ids.js';

/** What happened to a frame given to `send`. */
export type SendVerdict =
  /** Queued for the peer (written now or when the connection is up). */
  | 'queued'
  /** The peer's queue is full and the policy dropped the frame (counted). */
  | 'dropped-full'
  /** No such peer in the cluster. (A known peer without an address, a client, is queued for until it connects.) */
  | 'unknown-peer'
  /** Larger than the frame bound: refused (our bug if it happens). */
  | 'too-large'
  /** The transport is closed. */
  | 'closed';

export interface TransportCounters {
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Frames dropped because a peer's send queue was full. */
  droppedQueueFull: number;
  /** Handshakes refused: unknown static key, bad handshake, replayed handshake. */
  handshakesRefused: number;
  /** Frames rejected after the handshake, by reason. */
  rejectedOversized: number;
  rejectedBadMac: number;
  rejectedReplay: number;
  reconnects: number;
}

export interface Transport {
  readonly self: NodeId;
  /** Queue `frame` for `to`. Never throws; the verdict says what happened. */
  send(to: NodeId, frame: Uint8Array): SendVerdict;
  /** The one handler of incoming frames (set before `start`). */
  onFrame(handler: (from: NodeId, frame: Uint8Array) => void): void;
  /** Called when an authenticated connection to a peer comes up or goes down. */
  onPeerChange(handler: (peer: NodeId, up: boolean) => void): void;
  /** Listen (if this node has an address) and dial the peers this node dials. */
  start(): Promise<void>;
  /** Close every connection and the listener; pending frames are flushed first when possible. */
  close(): Promise<void>;
  isConnected(peer: NodeId): boolean;
  counters(): Readonly<TransportCounters>;
}
