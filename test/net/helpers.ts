/**
 * Shared pieces of the transport tests: raw X25519 keys, a handle on a forked peer process that
 * speaks the harness protocol, and waiting with a deadline (so a failure reports instead of
 * hanging the suite).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import type { HarnessCommand, HarnessConfig, HarnessEvent } from '../../src/net/tcp/peer-harness.js';

export interface RawKeys {
  readonly privateKey: Buffer;
  readonly publicKey: Buffer;
}

export function rawKeys(): RawKeys {
  const { privateKey } = generateKeyPairSync('x25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { privateKey: Buffer.from(jwk.d!, 'base64url'), publicKey: Buffer.from(jwk.x!, 'base64url') };
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A harness config for `self`, knowing `peers` (id, keys, optional port on 127.0.0.1). */
export function harnessConfig(
  self: number,
  keys: RawKeys,
  peers: { id: number; keys: RawKeys; port?: number }[],
  extra: Partial<HarnessConfig> = {},
): HarnessConfig {
  return {
    self,
    dhPrivateKeyHex: hex(keys.privateKey),
    dhPublicKeyHex: hex(keys.publicKey),
    clusterName: 'test-cluster',
    encryption: false,
    peers: peers.map((p) => ({
      id: p.id,
      dhPublicKeyHex: hex(p.keys.publicKey),
      ...(p.port !== undefined ? { host: '127.0.0.1', port: p.port } : {}),
    })),
    ...extra,
  };
}

/** Waits for `condition` to hold, polling; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A forked child process and the events it has sent and nobody has taken yet. */
export class Child {
  readonly process: ChildProcess;
  private readonly events: unknown[] = [];
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(module: URL) {
    this.process = fork(module, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.process.on('message', (m) => {
      this.events.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  send(command: HarnessCommand | Record<string, unknown>): void {
    this.process.send(command);
  }

  /** Removes and returns the first event (past or future) matching `match`. */
  async take<E = HarnessEvent>(match: (e: E) => boolean, what: string, timeoutMs = 20_000): Promise<E> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex((e) => match(e as E));
      if (i >= 0) return this.events.splice(i, 1)[0] as E;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.process.kill(signal);
    return this.exited;
  }

  /** Asks the harness to close its transport and waits for the process to exit. */
  async close(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.send({ cmd: 'close' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export const peerFixture = new URL('./fixture-peer.js', import.meta.url);
export const attackerFixture = new URL('./fixture-attacker.js', import.meta.url);
