/**
 * A peer on the raw wire, built from the transport's exported handshake and record functions, so
 * tests can do what a well-behaved transport never would: replay a handshake message, stop half
 * way, or send forged, replayed and oversized records.
 */
import { connect, type Socket } from 'node:net';
import {
  buildRecord,
  dhKeyPairFromPrivate,
  LengthPrefixedReader,
  MESSAGE2_BYTES,
  nextHelloTimestamp,
  prologueFor,
  readWelcome,
  sealRecord,
  writeHello,
} from '../../src/net/tcp/index.js';

export interface RawIdentity {
  readonly self: number;
  readonly privateKey: Uint8Array;
  readonly targetPublicKey: Uint8Array;
  readonly clusterName: string;
  readonly encryption: boolean;
}

export class RawPeer {
  readonly socket: Socket;
  /** Resolves when the other side (or we) closed the connection. */
  readonly closed: Promise<void>;
  private key: Buffer | undefined;
  private encryption = false;
  private seq = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawPeer(socket);
  }

  /** Message 1 as framed on the wire, for a test that wants to replay it. */
  static hello(id: RawIdentity, timestamp = nextHelloTimestamp()) {
    const s = dhKeyPairFromPrivate(id.privateKey);
    const r = writeHello(s, id.targetPublicKey, prologueFor(id.clusterName, id.encryption), {
      id: id.self,
      timestamp,
    });
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  }

  /** Runs the initiator's side: message 1, then message 2; the transport keys are kept. */
  async handshake(id: RawIdentity, hello = RawPeer.hello(id)): Promise<void> {
    this.socket.write(hello.framed);
    const welcome = await new Promise<Buffer>((resolve, reject) => {
      const reader = new LengthPrefixedReader(MESSAGE2_BYTES, MESSAGE2_BYTES);
      const onData = (chunk: Buffer) =>
        reader.push(chunk, (m) => {
          this.socket.off('data', onData);
          resolve(m.subarray(4));
          return false;
        });
      this.socket.on('data', onData);
      void this.closed.then(() => reject(new Error('closed during the handshake')));
    });
    const keys = readWelcome(hello.state, welcome);
    if (!keys.ok) throw new Error(keys.reason);
    this.key = keys.value.initiatorToResponder;
    this.encryption = id.encryption;
  }

  /** Seals the next record (or the record for an explicit seq) around `frames`, without sending it. */
  record(frames: Uint8Array[], seq = this.seq++): Buffer {
    const payloadBytes = frames.reduce((n, f) => n + 4 + f.byteLength, 0);
    const r = buildRecord(seq, frames, 0, frames.length, payloadBytes);
    sealRecord(r, this.key!, this.encryption);
    return r;
  }

  send(frames: Uint8Array[]): Buffer {
    const r = this.record(frames);
    this.socket.write(r);
    return r;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** True if the other side closed within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const r = await Promise.race([this.closed.then(() => true), timeout]);
    clearTimeout(timer);
    return r;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
