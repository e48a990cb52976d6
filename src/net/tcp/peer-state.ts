/**
 * What the transport keeps for each peer: its bounded send queue, its connection at each stage
 * (dialing, confirming, open), the freshest handshake timestamp accepted from it, and its
 * reconnection backoff.
 */
import type { NodeId } from '../../core/ids.js';
import type { Connection } from './connection.js';
import type { TcpPeer, TcpSettings } from './options.js';
import { SendQueue } from './send-queue.js';

export class PeerState {
  readonly id: NodeId;
  readonly dhPublicKey: Uint8Array;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly queue: SendQueue;
  /** The open connection, if any: the one frames go out on. */
  conn: Connection | undefined = undefined;
  /** Initiator: the connection being set up. */
  dialing: Connection | undefined = undefined;
  /** Responder: an authenticated connection waiting for its confirmation record. */
  confirming: Connection | undefined = undefined;
  lastHelloTimestamp = 0n;
  everOpened = false;
  reconnectDelayMs: number;
  reconnectTimer: NodeJS.Timeout | undefined = undefined;
  flushScheduled = false;
  /** Inside an episode of queue-full drops (logged once per episode). */
  dropping = false;

  constructor(
    peer: TcpPeer,
    /** This node opens the connection to the peer (the other side never does). */
    readonly dialed: boolean,
    settings: TcpSettings,
  ) {
    this.id = peer.id;
    this.dhPublicKey = peer.dhPublicKey;
    this.host = peer.host;
    this.port = peer.port;
    this.queue = new SendQueue(settings.peerQueueFramesMax, settings.peerQueueBytesMax);
    this.reconnectDelayMs = settings.reconnectDelayMsMin;
  }
}
