/**
 * The client library over TCP: `await client.invoke(op)` with many requests outstanding. It
 * wraps the pure ClientCore (voting on f+1 matching replies, retransmission, leader learning,
 * bounded retries) in promises, and queues invocations beyond the replicas' window.
 */
import type { Codec } from '../codec/frame.js';
import type { CryptoSuite } from '../core/crypto-suite.js';
import type { Logger } from '../core/env.js';
import type { NodeId } from '../core/ids.js';
import type { Transport } from '../net/transport.js';
import { ClientCore, type ClientOptions } from '../smr/client-core.js';
import type { Wire } from '../smr/messages.js';
import type { Observation } from '../smr/observations.js';
import { NodeHost } from './node-host.js';

export class RequestFailed extends Error {
  override name = 'RequestFailed';
}

interface Waiter {
  resolve(result: Uint8Array): void;
  reject(e: Error): void;
}

export interface BulwarkClientOptions {
  readonly self: NodeId;
  readonly transport: Transport;
  readonly codec: Codec<Wire<unknown>>;
  readonly crypto: CryptoSuite;
  readonly log: Logger;
  readonly core: Omit<ClientOptions, 'firstRequestId'>;
  /** Invocations waiting for a window slot at most; beyond it `invoke` rejects at once. */
  readonly queueMax?: number;
}

export class BulwarkClient {
  private readonly host: NodeHost<Wire<unknown>, Observation>;
  private readonly core: ClientCore;
  private readonly waiters = new Map<number, Waiter>();
  private readonly queue: { op: Uint8Array; readOnly: boolean; waiter: Waiter }[] = [];
  private readonly queueMax: number;

  constructor(opts: BulwarkClientOptions) {
    this.queueMax = opts.queueMax ?? 100_000;
    this.host = new NodeHost<Wire<unknown>, Observation>({
      self: opts.self,
      transport: opts.transport,
      codec: opts.codec,
      crypto: opts.crypto,
      log: opts.log,
      group: [],
      onDeliver: (obs) => this.onObservation(obs),
    });
    // Request ids start from the wall clock in microseconds, so a restarted client never reuses one.
    const firstRequestId = Date.now() * 1000;
    this.core = new ClientCore(this.host.env(), { ...opts.core, firstRequestId });
  }

  /** Ordered replies per replica that the client outvoted (they disagreed with the quorum). */
  get outvoted(): ReadonlyMap<number, number> {
    return this.core.outvoted;
  }

  async start(): Promise<void> {
    await this.host.run(this.core);
  }

  invoke(op: Uint8Array, readOnly = false): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.core.canInvoke() && this.queue.length === 0) return this.send(op, readOnly, waiter);
      if (this.queue.length >= this.queueMax) return reject(new RequestFailed('client queue full'));
      this.queue.push({ op, readOnly, waiter });
    });
  }

  async close(): Promise<void> {
    for (const w of this.waiters.values()) w.reject(new RequestFailed('client closed'));
    for (const q of this.queue) q.waiter.reject(new RequestFailed('client closed'));
    this.waiters.clear();
    this.queue.length = 0;
    await this.host.close();
  }

  private send(op: Uint8Array, readOnly: boolean, waiter: Waiter): void {
    const id = this.core.invoke(op, readOnly);
    if (id === undefined) this.queue.unshift({ op, readOnly, waiter });
    else this.waiters.set(id, waiter);
  }

  private onObservation(obs: Observation): void {
    if (obs.kind !== 'completed' && obs.kind !== 'failed') return;
    const w = this.waiters.get(obs.requestId);
    if (w === undefined) return;
    this.waiters.delete(obs.requestId);
    if (obs.kind === 'completed') w.resolve(obs.result);
    else w.reject(new RequestFailed(`request ${obs.requestId} failed: ${obs.reason}`));
    // A slot is free: the oldest queued invocation takes it (after this event, outside the core's handler).
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    while (this.queue.length > 0 && this.core.canInvoke()) {
      const next = this.queue.shift() as (typeof this.queue)[number];
      this.send(next.op, next.readOnly, next.waiter);
    }
  }
}
