/**
 * The TCP transport benchmark (`bulwark bench transport`): this process and one child process
 * (the transport's peer harness) on 127.0.0.1.
 *
 * - throughput: the child sends `messages` frames of `size` bytes one way, as fast as
 *   back-pressure lets it; timed from the order to the last frame received here.
 * - latency: ping-pong round trips of one `size`-byte frame, each timed here with
 *   process.hrtime and halved, so the one-way figure needs no clock shared between processes.
 * - handshake: the median time from creating a transport to its peer being up over loopback
 *   (TCP connect + Noise IK + confirmation record), and the median CPU cost of the IK
 *   computation alone (both sides, in-process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import type { NodeId } from '../core/ids.js';
import type { HarnessCommand, HarnessConfig, HarnessEvent } from '../net/tcp/peer-harness.js';
import {
  createTcpTransport,
  generateDhKeyPair,
  ikReadMessage1,
  ikReadMessage2,
  ikWriteMessage1,
  ikWriteMessage2,
  type TcpTransport,
} from '../net/tcp/index.js';
import { median, Samples } from './stats.js';

export interface TransportBenchOptions {
  readonly messages: number;
  readonly size: number;
  readonly encryption: boolean;
  /** Timed ping-pong round trips (after a warm-up). */
  readonly roundTrips?: number;
  /** Handshakes over loopback to take the median of. */
  readonly handshakes?: number;
}

export interface TransportBenchResult {
  readonly msgsPerSec: number;
  /** Application payload megabytes (10^6 bytes) per second, framing and tags not counted. */
  readonly mbPerSec: number;
  /** One-way: round trip / 2. */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** Median connect-to-up time over loopback, handshake included. */
  readonly handshakeMs: number;
  /** Median cost of the IK computation alone, both sides. */
  readonly handshakeCryptoMs: number;
}

const CHILD = 1;
const SELF = 0;
const CLUSTER = 'bench-transport';

function rawKeys(): { privateKey: Buffer; publicKey: Buffer } {
  const jwk = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  return { privateKey: Buffer.from(jwk.d!, 'base64url'), publicKey: Buffer.from(jwk.x!, 'base64url') };
}

/** The harness child and a way to wait for its next event of a kind. */
class HarnessChild {
  private readonly proc: ChildProcess;
  private readonly events: HarnessEvent[] = [];
  private wake: (() => void) | undefined;
  private readonly exited: Promise<void>;

  constructor() {
    this.proc = fork(new URL('../net/tcp/peer-harness.js', import.meta.url), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: HarnessEvent) => {
      this.events.push(m);
      this.wake?.();
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
  }

  send(c: HarnessCommand): void {
    this.proc.send(c);
  }

  async next<K extends HarnessEvent['ev']>(
    ev: K,
    timeoutMs = 60_000,
  ): Promise<Extract<HarnessEvent, { ev: K }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex((e) => e.ev === ev);
      if (i >= 0) return this.events.splice(i, 1)[0] as Extract<HarnessEvent, { ev: K }>;
      if (Date.now() > deadline) throw new Error(`transport bench: no '${ev}' from the child`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.connected) this.send({ cmd: 'close' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function benchTransport(opts: TransportBenchOptions): Promise<TransportBenchResult> {
  const mine = rawKeys();
  const theirs = rawKeys();
  const child = new HarnessChild();
  try {
    const config: HarnessConfig = {
      self: CHILD,
      dhPrivateKeyHex: theirs.privateKey.toString('hex'),
      dhPublicKeyHex: theirs.publicKey.toString('hex'),
      clusterName: CLUSTER,
      encryption: opts.encryption,
      peers: [{ id: SELF, dhPublicKeyHex: mine.publicKey.toString('hex') }],
      listen: { host: '127.0.0.1', port: 0 },
    };
    child.send({ cmd: 'start', config, echo: true });
    const { port } = await child.next('started');
    const connect = async (onFrame: (frame: Uint8Array) => void): Promise<TcpTransport> => {
      const t = createTcpTransport({
        self: SELF,
        dhPrivateKey: mine.privateKey,
        dhPublicKey: mine.publicKey,
        clusterName: CLUSTER,
        encryption: opts.encryption,
        peers: [{ id: CHILD, dhPublicKey: theirs.publicKey, host: '127.0.0.1', port: port! }],
      });
      const up = new Promise<void>((resolve) => t.onPeerChange((_p, isUp) => isUp && resolve()));
      t.onFrame((_from, frame) => onFrame(frame));
      await t.start();
      await up;
      return t;
    };

    const handshakeMs = await timeHandshakes(opts.handshakes ?? 30, connect);
    let received = 0;
    let onFrame: (frame: Uint8Array) => void = () => (received += 1);
    const t = await connect((frame) => onFrame(frame));
    try {
      const started = process.hrtime.bigint();
      child.send({ cmd: 'blast', to: SELF, count: opts.messages, size: opts.size });
      await waitFor(() => received >= opts.messages, 120_000);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      await child.next('blasted');
      const latency = await pingPong(
        t,
        opts.size,
        opts.roundTrips ?? 2_000,
        (handler) => (onFrame = handler),
      );
      return {
        msgsPerSec: Math.round(opts.messages / seconds),
        mbPerSec: (opts.messages * opts.size) / 1e6 / seconds,
        latencyMs: latency,
        handshakeMs,
        handshakeCryptoMs: handshakeCryptoMs(200),
      };
    } finally {
      await t.close();
    }
  } finally {
    await child.close();
  }
}

/** Fresh transports, each timed from creation to its peer being up, then closed. */
async function timeHandshakes(
  count: number,
  connect: (f: (frame: Uint8Array) => void) => Promise<TcpTransport>,
) {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const t = await connect(() => {});
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
    await t.close();
  }
  return median(ms);
}

/** Sequential round trips: one frame out, wait for its echo; one-way = round trip / 2. */
async function pingPong(
  t: TcpTransport,
  size: number,
  roundTrips: number,
  setHandler: (h: (frame: Uint8Array) => void) => void,
): Promise<{ p50: number; p99: number }> {
  const samples = new Samples();
  const warmUp = Math.min(200, roundTrips);
  const frame = Buffer.alloc(Math.max(size, 4));
  for (let i = 0; i < warmUp + roundTrips; i++) {
    frame.writeUInt32BE(i, 0);
    const echoed = new Promise<void>((resolve) => setHandler(() => resolve()));
    const started = process.hrtime.bigint();
    // A copy, because the transport keeps a reference to a queued frame until it is written.
    t.send(CHILD as NodeId, Buffer.from(frame));
    await echoed;
    if (i >= warmUp) samples.add(Number(process.hrtime.bigint() - started) / 2e6);
  }
  const [p50, p99] = samples.percentiles([50, 99]);
  return { p50: p50!, p99: p99! };
}

/** The IK computation of both sides, without sockets: the CPU price of one handshake. */
export function handshakeCryptoMs(count: number): number {
  const i = generateDhKeyPair();
  const r = generateDhKeyPair();
  const prologue = Buffer.from(CLUSTER);
  const ms: number[] = [];
  for (let k = 0; k < count; k++) {
    const started = process.hrtime.bigint();
    const w1 = ikWriteMessage1(i, r.publicKey, prologue, Buffer.alloc(12));
    if (!w1.ok) throw new Error(w1.reason);
    const r1 = ikReadMessage1(r, prologue, w1.value.message, 12);
    if (!r1.ok) throw new Error(r1.reason);
    const w2 = ikWriteMessage2(r1.value.state, new Uint8Array(0));
    if (!w2.ok) throw new Error(w2.reason);
    const r2 = ikReadMessage2(w1.value.state, w2.value.message, 0);
    if (!r2.ok) throw new Error(r2.reason);
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(ms);
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('transport bench: timed out');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
