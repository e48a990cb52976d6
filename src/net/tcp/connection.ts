/**
 * One TCP connection: the IK handshake, then authenticated records both ways. It knows nothing of
 * queues or reconnection; it reports to its host (the transport) when it has authenticated its
 * peer, when frames arrive, when it can take more bytes and when it is gone. Every rejection
 * closes the connection: a peer that sent one bad record is not trusted with the next.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LogFields, Logger } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { TransportCounters } from '../transport.js';
import {
  buildRecord,
  LengthPrefixedReader,
  openRecord,
  readSeq,
  recordBodyBytesMax,
  RECORD_BODY_BYTES_MIN,
  sealRecord,
  splitFrames,
  type ReadVerdict,
} from './framing.js';
import {
  MESSAGE1_BYTES,
  MESSAGE2_BYTES,
  nextHelloTimestamp,
  readHello,
  readWelcome,
  writeHello,
  writeWelcome,
} from './handshake.js';
import type { DhKeyPair, IkInitiatorState, TransportKeys } from './noise.js';
import type { Batch } from './send-queue.js';

/** What a connection needs from the transport that owns it. */
export interface ConnectionHost {
  readonly self: NodeId;
  readonly staticKey: DhKeyPair;
  /** prologueFor(cluster name, encryption). */
  readonly prologue: Buffer;
  readonly encryption: boolean;
  readonly frameBytesMax: number;
  readonly handshakeTimeoutMs: number;
  /** The transport's counters, which connections update. */
  readonly stats: TransportCounters;
  readonly logger: Logger;
  /** Responder: the peer that owns this static key, if any. */
  peerByKey(key: Buffer): NodeId | undefined;
  /** Responder: a refusal reason, or undefined to go on with this authenticated hello. */
  admit(conn: Connection, peer: NodeId, timestamp: bigint): string | undefined;
  /** Both keys confirmed: the connection may carry frames. */
  onOpen(conn: Connection): void;
  /** An authenticated frame from the connection's peer. */
  deliver(conn: Connection, frame: Buffer): void;
  onWritable(conn: Connection): void;
  onClosed(conn: Connection): void;
}

type State = 'handshake' | 'confirming' | 'open' | 'closed';

export class Connection {
  private state: State = 'handshake';
  private readonly reader: LengthPrefixedReader;
  private initiator: IkInitiatorState | undefined;
  private sendKey: Buffer | undefined;
  private recvKey: Buffer | undefined;
  private sendSeq = 0;
  private recvSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() of the last bytes in and out, for the transport's keepalive. */
  lastReceivedMs = performance.now();
  lastSentMs = performance.now();
  /** Resolves once the socket is fully closed. */
  readonly closed: Promise<void>;

  /**
   * `peer` is known when this side dials (initiator); an accepted connection learns it from the
   * handshake. The socket may still be connecting.
   */
  constructor(
    private readonly host: ConnectionHost,
    private readonly socket: Socket,
    readonly role: 'initiator' | 'responder',
    public peer: NodeId | undefined,
    /** host:port, for logs. */
    private readonly remote: string,
    private readonly peerStatic?: Uint8Array,
  ) {
    const expected = role === 'initiator' ? MESSAGE2_BYTES : MESSAGE1_BYTES;
    this.reader = new LengthPrefixedReader(expected, expected);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      if (this.state === 'open') host.onWritable(this);
    });
    socket.on('error', (e: Error) => this.log('debug', 'socket-error', { error: e.message }));
    socket.on('close', () => this.onSocketClosed());
    this.timer = setTimeout(() => this.close('handshake-timeout'), host.handshakeTimeoutMs);
    if (role === 'initiator') {
      if (socket.connecting) socket.once('connect', () => this.sendHello());
      else this.sendHello();
    }
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** True while the socket takes bytes without buffering past its high-water mark. */
  get isWritable(): boolean {
    return this.state === 'open' && !this.socket.writableNeedDrain;
  }

  /** Seals one batch of frames as the next record of this direction. */
  seal(batch: Batch): Buffer {
    const record = buildRecord(this.sendSeq, batch.frames, batch.from, batch.to, batch.payloadBytes);
    this.sendSeq += 1;
    sealRecord(record, this.sendKey!, this.host.encryption);
    return record;
  }

  /** Writes records as one batch (cork/uncork gives a single writev). False once the socket is full. */
  writeRecords(records: readonly Buffer[]): boolean {
    if (records.length > 0) this.lastSentMs = performance.now();
    if (records.length === 1) {
      this.socket.write(records[0]!);
    } else if (records.length > 1) {
      this.socket.cork();
      for (const r of records) this.socket.write(r);
      this.socket.uncork();
    }
    return !this.socket.writableNeedDrain;
  }

  /** Ends the stream after what has been written; a peer that does not finish in time is cut. */
  end(deadlineMs: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimer();
    this.socket.end();
    this.timer = setTimeout(() => this.socket.destroy(), deadlineMs);
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.log(reason === 'handshake-timeout' ? 'warn' : 'debug', 'connection-closed', { reason });
    this.state = 'closed';
    this.clearTimer();
    this.socket.destroy();
  }

  private sendHello(): void {
    if (this.state !== 'handshake') return;
    const hello = { id: this.host.self, timestamp: nextHelloTimestamp() };
    const r = writeHello(this.host.staticKey, this.peerStatic!, this.host.prologue, hello);
    if (!r.ok) return this.refuse(r.reason);
    this.initiator = r.value.state;
    this.socket.write(r.value.framed);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastReceivedMs = performance.now();
    const verdict = this.reader.push(chunk, (message) => this.onMessage(message));
    // A callback that closed the connection stops the reader with 'ok', so this is still open.
    if (verdict !== 'ok') this.onBadLength(verdict);
  }

  /** Returns false when the connection closed while handling the message, to stop reading. */
  private onMessage(message: Buffer): boolean {
    if (this.state === 'handshake') {
      const body = message.subarray(4);
      if (this.role === 'responder') this.onHello(body);
      else this.onWelcome(body);
    } else {
      this.onRecord(message);
    }
    return this.state !== 'closed';
  }

  private onHello(message: Buffer): void {
    const host = this.host;
    const r = readHello(host.staticKey, host.prologue, message, (key) => host.peerByKey(key) !== undefined);
    if (!r.ok) return this.refuse(r.reason);
    const peer = host.peerByKey(r.value.state.rsRaw)!;
    this.peer = peer;
    const hello = r.value.hello;
    // The claimed id must be the one whose key just authenticated, or a member could speak as another.
    if (hello === undefined || hello.id !== peer) return this.refuse('id-mismatch', { claimed: hello?.id });
    const refusal = host.admit(this, peer, hello.timestamp);
    if (refusal !== undefined) return this.refuse(refusal);
    const w = writeWelcome(r.value.state);
    if (!w.ok) return this.refuse(w.reason);
    this.socket.write(w.value.framed);
    this.startRecords(w.value.keys.responderToInitiator, w.value.keys.initiatorToResponder);
    // IK's message 1 can be replayed; only a record under the new keys proves the initiator is
    // live (holds this handshake's e), so the peer is not "up" until its first record arrives.
    this.state = 'confirming';
  }

  private onWelcome(message: Buffer): void {
    const r = readWelcome(this.initiator!, message);
    this.initiator = undefined;
    if (!r.ok) return this.refuse(r.reason);
    const keys: TransportKeys = r.value;
    this.startRecords(keys.initiatorToResponder, keys.responderToInitiator);
    // The confirmation record: empty, seq 0, it lets the responder declare the peer up now.
    const confirm = this.seal({ frames: [], from: 0, to: 0, payloadBytes: 0 });
    this.writeRecords([confirm]);
    this.host.stats.bytesSent += confirm.byteLength;
    this.becomeOpen();
  }

  private startRecords(sendKey: Buffer, recvKey: Buffer): void {
    this.sendKey = sendKey;
    this.recvKey = recvKey;
    this.reader.setBounds(RECORD_BODY_BYTES_MIN, recordBodyBytesMax(this.host.frameBytesMax));
  }

  private becomeOpen(): void {
    this.clearTimer();
    this.state = 'open';
    this.host.onOpen(this);
  }

  private onRecord(record: Buffer): void {
    const counters = this.host.stats;
    const payload = openRecord(record, this.recvKey!, this.host.encryption);
    if (payload === undefined) {
      counters.rejectedBadMac += 1;
      return this.reject('bad-mac', { bytes: record.byteLength });
    }
    const seq = readSeq(record);
    if (seq !== this.recvSeq) {
      counters.rejectedReplay += 1;
      return this.reject(seq < this.recvSeq ? 'replay' : 'seq-gap', { seq, expected: this.recvSeq });
    }
    this.recvSeq += 1;
    counters.bytesReceived += record.byteLength;
    if (this.state === 'confirming') this.becomeOpen();
    if (this.state !== 'open') return;
    let frames = 0;
    const ok = splitFrames(payload, this.host.frameBytesMax, (frame) => {
      frames += 1;
      this.host.deliver(this, frame);
    });
    counters.framesReceived += frames;
    if (!ok) {
      counters.rejectedOversized += 1;
      this.reject('frame-malformed', { seq });
    }
  }

  private onBadLength(verdict: Exclude<ReadVerdict, 'ok'>): void {
    if (this.state === 'handshake') return this.refuse('bad-length');
    if (verdict === 'oversized') {
      this.host.stats.rejectedOversized += 1;
      return this.reject('oversized', { bytesMax: recordBodyBytesMax(this.host.frameBytesMax) });
    }
    // Too short to hold a seq and a tag: it cannot be authentic.
    this.host.stats.rejectedBadMac += 1;
    this.reject('short-record');
  }

  private refuse(reason: string, fields: LogFields = {}): void {
    this.host.stats.handshakesRefused += 1;
    this.log('warn', 'handshake-refused', { reason, ...fields });
    this.close(reason);
  }

  private reject(reason: string, fields: LogFields = {}): void {
    this.log('warn', 'record-rejected', { reason, ...fields });
    this.close(reason);
  }

  private onSocketClosed(): void {
    this.state = 'closed';
    this.clearTimer();
    this.host.onClosed(this);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private log(level: 'debug' | 'info' | 'warn', event: string, fields: LogFields): void {
    this.host.logger.log(level, event, {
      self: this.host.self,
      peer: this.peer,
      remote: this.remote,
      role: this.role,
      ...fields,
    });
  }
}
