/**
 * The TCP transport: one authenticated connection per pair of nodes, a bounded send queue per
 * peer, coalesced writes, reconnection with backoff, and a clean shutdown. See README.md for the
 * wire format and the policies; connection.ts holds the handshake and record handling.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/env.js';
import { isClientId, isValidNodeId, type NodeId } from '../../core/ids.js';
import type { SendVerdict, Transport, TransportCounters } from '../transport.js';
import { Connection, type ConnectionHost } from './connection.js';
import { LENGTH_BYTES, RECORD_PAYLOAD_BYTES_TARGET } from './framing.js';
import { prologueFor } from './handshake.js';
import { dhKeyPairFromPrivate, DH_BYTES, type DhKeyPair } from './noise.js';
import { dials, settingsOf, type TcpPeer, type TcpSettings, type TcpTransportOptions } from './options.js';
import { PeerState } from './peer-state.js';

export type { TcpPeer, TcpTransportOptions } from './options.js';

export interface TcpTransport extends Transport {
  /** Frame bytes waiting for `peer`: the back-pressure signal (0 for an unknown peer). */
  queuedBytes(peer: NodeId): number;
  /** Where the listener is bound, once started (useful with port 0). */
  address(): { host: string; port: number } | undefined;
}

/** Flushes write at most this much before yielding, so one busy peer cannot starve the others. */
const FLUSH_BYTES_MAX = 1024 * 1024;

/** The longest wait between attempts to reach a peer that has never answered (see scheduleReconnect). */
const FIRST_CONTACT_MS = 200;

const EMPTY_BATCH = { frames: [], from: 0, to: 0, payloadBytes: 0 } as const;

export function createTcpTransport(options: TcpTransportOptions): TcpTransport {
  return new TcpTransportImpl(options);
}

class TcpTransportImpl implements TcpTransport, ConnectionHost {
  readonly self: NodeId;
  readonly staticKey: DhKeyPair;
  readonly prologue: Buffer;
  readonly encryption: boolean;
  readonly frameBytesMax: number;
  readonly handshakeTimeoutMs: number;
  readonly logger: Logger;
  readonly stats: TransportCounters = {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    droppedQueueFull: 0,
    handshakesRefused: 0,
    rejectedOversized: 0,
    rejectedBadMac: 0,
    rejectedReplay: 0,
    reconnects: 0,
  };
  private readonly peers = new Map<NodeId, PeerState>();
  private readonly peersByKey = new Map<string, NodeId>();
  /** Accepted connections that have not yet named their peer. */
  private readonly anonymous = new Set<Connection>();
  private readonly connections = new Set<Connection>();
  private readonly opts: TcpTransportOptions;
  private readonly settings: TcpSettings;
  private server: Server | undefined;
  private frameHandler: (from: NodeId, frame: Uint8Array) => void = () => {};
  private peerHandler: (peer: NodeId, up: boolean) => void = () => {};
  private state: 'new' | 'running' | 'closing' = 'new';
  private closing: Promise<void> | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(options: TcpTransportOptions) {
    this.opts = options;
    this.self = options.self;
    if (!isValidNodeId(options.self)) throw new Error(`invalid node id ${options.self}`);
    if (options.listen !== undefined && isClientId(options.self)) throw new Error('a client does not listen');
    this.staticKey = dhKeyPairFromPrivate(options.dhPrivateKey);
    if (!this.staticKey.publicKey.equals(options.dhPublicKey))
      throw new Error('dhPublicKey does not match dhPrivateKey');
    this.prologue = prologueFor(options.clusterName, options.encryption);
    this.encryption = options.encryption;
    this.settings = settingsOf(options);
    this.frameBytesMax = this.settings.frameBytesMax;
    this.handshakeTimeoutMs = this.settings.handshakeTimeoutMs;
    this.logger = this.settings.logger;
    for (const p of options.peers) this.addPeer(p);
  }

  private addPeer(p: TcpPeer): void {
    if (p.id === this.self) return;
    if (!isValidNodeId(p.id) || this.peers.has(p.id)) throw new Error(`invalid or duplicate peer ${p.id}`);
    if (p.dhPublicKey.byteLength !== DH_BYTES) throw new Error(`peer ${p.id}: a public key is 32 bytes`);
    const key = Buffer.from(p.dhPublicKey).toString('hex');
    if (this.peersByKey.has(key)) throw new Error(`peer ${p.id} shares a static key with another`);
    this.peersByKey.set(key, p.id);
    this.peers.set(
      p.id,
      new PeerState(p, dials(this.self, this.opts.listen !== undefined, p), this.settings),
    );
  }

  // ---- Transport -------------------------------------------------------------------------

  send(to: NodeId, frame: Uint8Array): SendVerdict {
    if (this.state === 'closing') return 'closed';
    const peer = this.peers.get(to);
    if (peer === undefined) return 'unknown-peer';
    if (frame.byteLength + LENGTH_BYTES > this.frameBytesMax) return 'too-large';
    if (!peer.queue.push(frame)) {
      this.stats.droppedQueueFull += 1;
      // One log line per episode of drops, not one per frame.
      if (!peer.dropping)
        this.logger.log('warn', 'queue-full', {
          self: this.self,
          peer: to,
          queuedBytes: peer.queue.queuedBytes,
        });
      peer.dropping = true;
      return 'dropped-full';
    }
    peer.dropping = false;
    if (peer.conn !== undefined) this.scheduleFlush(peer);
    return 'queued';
  }

  onFrame(handler: (from: NodeId, frame: Uint8Array) => void): void {
    this.frameHandler = handler;
  }

  onPeerChange(handler: (peer: NodeId, up: boolean) => void): void {
    this.peerHandler = handler;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('start() is called once');
    this.state = 'running';
    const listen = this.opts.listen;
    if (listen !== undefined) {
      const server = createServer({ noDelay: true }, (socket) => this.onAccept(socket));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (e) =>
        this.logger.log('error', 'listener-error', { self: this.self, error: e.message }),
      );
    }
    for (const peer of this.peers.values()) if (peer.dialed) this.dial(peer);
    // Unref'd: the sockets and the listener decide whether the process stays up, not this timer.
    this.ticker = setInterval(() => this.tick(), Math.max(10, this.settings.keepaliveMs / 2));
    this.ticker.unref();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  isConnected(peer: NodeId): boolean {
    return this.peers.get(peer)?.conn !== undefined;
  }

  counters(): Readonly<TransportCounters> {
    return { ...this.stats };
  }

  queuedBytes(peer: NodeId): number {
    return this.peers.get(peer)?.queue.queuedBytes ?? 0;
  }

  address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    return a !== null && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  // ---- ConnectionHost --------------------------------------------------------------------

  peerByKey(key: Buffer): NodeId | undefined {
    return this.peersByKey.get(key.toString('hex'));
  }

  admit(conn: Connection, id: NodeId, timestamp: bigint): string | undefined {
    const peer = this.peers.get(id)!;
    if (this.state === 'closing') return 'closing';
    // A peer this node dials must not dial back, or the pair would flap between two connections.
    if (peer.dialed) return 'unexpected-direction';
    if (timestamp <= peer.lastHelloTimestamp) return 'stale-timestamp';
    peer.lastHelloTimestamp = timestamp;
    this.anonymous.delete(conn);
    if (peer.confirming !== undefined && peer.confirming !== conn) peer.confirming.close('superseded');
    peer.confirming = conn;
    return undefined;
  }

  onOpen(conn: Connection): void {
    const peer = this.peers.get(conn.peer!)!;
    if (peer.dialing === conn) peer.dialing = undefined;
    if (peer.confirming === conn) peer.confirming = undefined;
    const previous = peer.conn;
    peer.conn = conn;
    if (previous !== undefined) {
      // The fresher authenticated connection wins: the old one is likely half-dead (the peer
      // restarted without us seeing a FIN).
      this.logger.log('info', 'connection-replaced', { self: this.self, peer: peer.id });
      previous.close('replaced');
    }
    if (peer.everOpened) this.stats.reconnects += 1;
    peer.everOpened = true;
    peer.reconnectDelayMs = this.settings.reconnectDelayMsMin;
    this.logger.log('info', 'peer-up', { self: this.self, peer: peer.id, role: conn.role });
    if (previous === undefined) this.peerHandler(peer.id, true);
    if (peer.queue.length > 0) this.scheduleFlush(peer);
  }

  deliver(conn: Connection, frame: Buffer): void {
    if (conn.isOpen) this.frameHandler(conn.peer!, frame);
  }

  onWritable(conn: Connection): void {
    const peer = this.peers.get(conn.peer!)!;
    if (peer.conn === conn) this.flush(peer);
  }

  onClosed(conn: Connection): void {
    this.connections.delete(conn);
    this.anonymous.delete(conn);
    const peer = conn.peer === undefined ? undefined : this.peers.get(conn.peer);
    if (peer === undefined) return;
    if (peer.confirming === conn) peer.confirming = undefined;
    if (peer.dialing === conn) {
      peer.dialing = undefined;
      this.scheduleReconnect(peer);
    }
    if (peer.conn !== conn) return;
    peer.conn = undefined;
    if (this.state === 'closing') return;
    this.logger.log('info', 'peer-down', { self: this.self, peer: peer.id });
    this.peerHandler(peer.id, false);
    if (peer.dialed) this.scheduleReconnect(peer);
  }

  // ---- connections -----------------------------------------------------------------------

  private onAccept(socket: Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.state !== 'running') {
      socket.destroy();
      return;
    }
    if (this.anonymous.size >= this.settings.handshakesPendingMax) {
      this.stats.handshakesRefused += 1;
      this.logger.log('warn', 'handshake-refused', { self: this.self, remote, reason: 'too-many-pending' });
      socket.destroy();
      return;
    }
    socket.setKeepAlive(true, 5_000);
    const conn = new Connection(this, socket, 'responder', undefined, remote);
    this.connections.add(conn);
    this.anonymous.add(conn);
  }

  private dial(peer: PeerState): void {
    peer.reconnectTimer = undefined;
    if (this.state !== 'running' || peer.conn !== undefined || peer.dialing !== undefined) return;
    const socket = createConnection({ host: peer.host!, port: peer.port!, noDelay: true });
    socket.setKeepAlive(true, 5_000);
    const conn = new Connection(
      this,
      socket,
      'initiator',
      peer.id,
      `${peer.host}:${peer.port}`,
      peer.dhPublicKey,
    );
    this.connections.add(conn);
    peer.dialing = conn;
  }

  /**
   * Exponential backoff with jitter (half to all of the delay), so restarts do not synchronize. A
   * peer never reached yet is tried at most FIRST_CONTACT_MS apart: members started one by one
   * meet within that of the last one's start (the dialer sees it late otherwise, by up to the
   * whole backoff, and a group's start gate opens that much later there than elsewhere).
   */
  private scheduleReconnect(peer: PeerState): void {
    if (this.state !== 'running' || !peer.dialed || peer.reconnectTimer !== undefined) return;
    const delayMs = peer.reconnectDelayMs * (0.5 + Math.random() / 2);
    const maxMs = peer.everOpened
      ? this.settings.reconnectDelayMsMax
      : Math.min(FIRST_CONTACT_MS, this.settings.reconnectDelayMsMax);
    peer.reconnectDelayMs = Math.min(peer.reconnectDelayMs * 2, maxMs);
    peer.reconnectTimer = setTimeout(() => this.dial(peer), delayMs);
  }

  // ---- writing ---------------------------------------------------------------------------

  /** Coalescing: frames sent in one turn of the event loop leave together on the next. */
  private scheduleFlush(peer: PeerState): void {
    if (peer.flushScheduled) return;
    peer.flushScheduled = true;
    setImmediate(() => {
      peer.flushScheduled = false;
      this.flush(peer);
    });
  }

  /** `final`: the last flush of close(), which hands everything to the socket regardless. */
  private flush(peer: PeerState, final = false): void {
    const conn = peer.conn;
    if (conn === undefined || !conn.isOpen) return;
    // Back-pressure: while the socket is over its high-water mark, frames stay in the bounded
    // queue (where the drop policy applies) instead of piling up unbounded in the socket.
    if (!final && !conn.isWritable) return;
    const bytesMax = final ? Number.POSITIVE_INFINITY : FLUSH_BYTES_MAX;
    let bytes = 0;
    const records: Buffer[] = [];
    while (bytes < bytesMax) {
      const batch = peer.queue.takeBatch(RECORD_PAYLOAD_BYTES_TARGET, LENGTH_BYTES);
      if (batch === undefined) break;
      const record = conn.seal(batch);
      records.push(record);
      bytes += record.byteLength;
      this.stats.framesSent += batch.to - batch.from;
    }
    peer.queue.compact();
    this.stats.bytesSent += bytes;
    const writable = conn.writeRecords(records);
    // When the socket is full, 'drain' (onWritable) resumes; otherwise yield and go on.
    if (writable && peer.queue.length > 0) this.scheduleFlush(peer);
  }

  /**
   * Keepalive: an empty record on a connection that sent nothing for `keepaliveMs`, so a silent
   * peer is told apart from a dead one; a connection that received nothing for `idleTimeoutMs`
   * is closed (and redialed), far sooner than TCP would notice a host that vanished without a FIN.
   */
  private tick(): void {
    const now = performance.now();
    const keepaliveMs = this.settings.keepaliveMs;
    const idleTimeoutMs = this.settings.idleTimeoutMs;
    for (const peer of this.peers.values()) {
      const conn = peer.conn;
      if (conn === undefined || !conn.isOpen) continue;
      if (now - conn.lastReceivedMs > idleTimeoutMs) {
        this.logger.log('warn', 'peer-silent', { self: this.self, peer: peer.id, idleTimeoutMs });
        conn.close('idle-timeout');
      } else if (now - conn.lastSentMs >= keepaliveMs && peer.queue.length === 0 && conn.isWritable) {
        const record = conn.seal(EMPTY_BATCH);
        this.stats.bytesSent += record.byteLength;
        conn.writeRecords([record]);
      }
    }
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'closing';
    if (this.ticker !== undefined) clearInterval(this.ticker);
    const deadlineMs = this.settings.closeTimeoutMs;
    const serverClosed = new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    for (const peer of this.peers.values()) {
      if (peer.reconnectTimer !== undefined) clearTimeout(peer.reconnectTimer);
      peer.reconnectTimer = undefined;
      // Hand everything still queued to the socket, ignoring back-pressure one last time.
      if (wasRunning && peer.conn?.isOpen) this.flush(peer, true);
      peer.queue.clear();
    }
    const pending = [...this.connections].map((c) => c.closed);
    for (const c of this.connections) {
      if (c.isOpen) c.end(deadlineMs);
      else c.close('shutdown');
    }
    await Promise.all([...pending, serverClosed]);
  }
}
