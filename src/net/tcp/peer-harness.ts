/**
 * A child process that runs one TCP transport under the orders of its parent, over the IPC
 * channel of `child_process.fork`. The multi-process tests and the transport benchmark use it as
 * the "other side": it can echo frames back, blast numbered frames at a peer, and report its
 * counters. It is a tool, not part of a node; nothing in the runtime imports it.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { NodeId } from '../../core/ids.js';
import type { Logger } from '../../core/env.js';
import { jsonLogger, MemoryLogger } from '../../core/log.js';
import { createTcpTransport, type TcpTransport } from './transport.js';

/** What the parent sends; keys travel as hex because IPC messages are JSON. */
export type HarnessCommand =
  | { cmd: 'start'; config: HarnessConfig; echo: boolean }
  | { cmd: 'blast'; to: NodeId; count: number; size: number }
  | { cmd: 'send'; to: NodeId; frameHex: string }
  | { cmd: 'report' }
  | { cmd: 'close' };

export type HarnessEvent =
  | { ev: 'started'; port: number | undefined }
  | { ev: 'peer'; peer: NodeId; up: boolean }
  | { ev: 'frame'; from: NodeId; frameHex: string }
  | { ev: 'blasted'; ms: number; retries: number }
  | { ev: 'report'; counters: Record<string, number>; received: number; logEvents: string[] }
  | { ev: 'closed' };

export interface HarnessConfig {
  self: NodeId;
  dhPrivateKeyHex: string;
  dhPublicKeyHex: string;
  clusterName: string;
  encryption: boolean;
  peers: { id: NodeId; dhPublicKeyHex: string; host?: string; port?: number }[];
  listen?: { host: string; port: number };
  /** Also write the transport's log to stderr as JSON lines (for debugging). */
  logToStderr?: boolean;
  /** Report each received frame to the parent (small tests only). */
  reportFrames?: boolean;
}

/** Frames queued for one peer before `blast` waits: well under the queue bounds. */
const BLAST_QUEUED_BYTES_HIGH = 256 * 1024;

export function runPeerHarness(): void {
  let transport: TcpTransport | undefined;
  let received = 0;
  const logger = new MemoryLogger();
  const emit = (e: HarnessEvent): void => {
    if (process.connected) process.send?.(e);
  };

  process.on('message', (m: HarnessCommand) => {
    switch (m.cmd) {
      case 'start': {
        const stderr = jsonLogger(`harness-${m.config.self}`, 'debug');
        const log: Logger = m.config.logToStderr
          ? {
              log: (level, event, fields) => (
                logger.log(level, event, fields),
                stderr.log(level, event, fields)
              ),
            }
          : logger;
        const t = createTcpTransport(toOptions(m.config, log));
        transport = t;
        t.onPeerChange((peer, up) => emit({ ev: 'peer', peer, up }));
        t.onFrame((from, frame) => {
          received += 1;
          if (m.echo) t.send(from, frame);
          if (m.config.reportFrames)
            emit({ ev: 'frame', from, frameHex: Buffer.from(frame).toString('hex') });
        });
        void t.start().then(() => emit({ ev: 'started', port: t.address()?.port }));
        break;
      }
      case 'blast':
        void blast(transport!, m.to, m.count, m.size).then((r) => emit({ ev: 'blasted', ...r }));
        break;
      case 'send':
        transport!.send(m.to, Buffer.from(m.frameHex, 'hex'));
        break;
      case 'report':
        emit({
          ev: 'report',
          counters: { ...transport!.counters() },
          received,
          logEvents: logger.records.map((r) => `${r.event}:${String(r.fields?.['reason'] ?? '')}`),
        });
        break;
      case 'close':
        void (transport?.close() ?? Promise.resolve()).then(() => {
          emit({ ev: 'closed' });
          process.disconnect();
        });
        break;
    }
  });
  // Without a parent there is nothing to do; with one, its disconnect ends us.
  process.on('disconnect', () => void transport?.close());
}

function toOptions(c: HarnessConfig, logger: Logger) {
  const hex = (s: string) => Buffer.from(s, 'hex');
  return {
    self: c.self,
    dhPrivateKey: hex(c.dhPrivateKeyHex),
    dhPublicKey: hex(c.dhPublicKeyHex),
    clusterName: c.clusterName,
    encryption: c.encryption,
    peers: c.peers.map((p) => ({ id: p.id, dhPublicKey: hex(p.dhPublicKeyHex), host: p.host, port: p.port })),
    ...(c.listen ? { listen: c.listen } : {}),
    logger,
  };
}

/**
 * Sends `count` frames of `size` bytes numbered 0.. in their first four bytes, as fast as the
 * transport takes them: it tops the queue up to a high-water mark and yields, so back-pressure
 * (not the drop policy) paces it.
 */
async function blast(
  t: TcpTransport,
  to: NodeId,
  count: number,
  size: number,
): Promise<{ ms: number; retries: number }> {
  const started = performance.now();
  let retries = 0;
  let i = 0;
  while (i < count) {
    while (i < count && t.queuedBytes(to) < BLAST_QUEUED_BYTES_HIGH) {
      // allocUnsafe draws small buffers from Node's pool; the filler is zeroed explicitly.
      const frame = Buffer.allocUnsafe(Math.max(size, 4));
      frame.writeUInt32BE(i, 0);
      frame.fill(0, 4);
      if (t.send(to, frame) !== 'queued') {
        retries += 1;
        break;
      }
      i += 1;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (t.queuedBytes(to) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  return { ms: performance.now() - started, retries };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runPeerHarness();
