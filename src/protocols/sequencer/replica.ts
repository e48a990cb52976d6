/**
 * The central sequencer (seed 000 §3.2.2, "coordination by a central node"): the first member
 * orders every request; the others follow its order. No fault tolerance: if the sequencer
 * stops, ordering stops. It is Bulwark's baseline, the ceiling the fault-tolerant protocols are
 * measured against, and the first user of the protocol contract.
 */
import type {
  ClientRequest,
  Env,
  OrderingDelivery,
  OrderingProtocol,
  ProtocolConfig,
  TimerKey,
} from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import { verifyRequestFor } from '../../smr/request-auth.js';
import type { OrderMessage, SequencerMessage } from './messages.js';
import { resolveTuning, type SequencerTuning } from './timers.js';
import { validateOrder } from './validate.js';

type Timer = { kind: 'flush' } | { kind: 'sync'; delivered: number };

export class SequencerReplica implements OrderingProtocol<SequencerMessage> {
  private readonly sequencer: NodeId;
  private readonly tuning: SequencerTuning;
  /** The sequencer's requests waiting for a batch. */
  private pending: ClientRequest[] = [];
  private flushArmed = false;
  /** Keys of requests pending or in the retained log, so a retransmission is not ordered twice. */
  private readonly known = new Set<string>();
  /** Recent batches, kept so a follower that lost one can fetch it: seq → batch. */
  private readonly log = new Map<number, OrderMessage>();
  private lastOrdered = 0;
  /** Followers: the last batch delivered, and batches received ahead of it. */
  private delivered = 0;
  private readonly ahead = new Map<number, OrderMessage>();

  constructor(
    private readonly env: Env<SequencerMessage, TimerKey, OrderingDelivery>,
    config: ProtocolConfig,
  ) {
    this.sequencer = config.members[0] ?? 0;
    this.tuning = resolveTuning(config.tuning);
  }

  private get isSequencer(): boolean {
    return this.env.self === this.sequencer;
  }

  start(): void {}

  leaderHint(): NodeId {
    return this.sequencer;
  }

  submit(request: ClientRequest): void {
    if (!this.isSequencer) return this.env.send(this.sequencer, { kind: 'forward', request });
    this.enqueue(request);
  }

  onExecuted(): void {}

  /** The sequencer keeps no checkpoints, so smr never installs state under it. */
  onStateInstalled(): void {}

  onMessage(from: NodeId, m: SequencerMessage): void {
    switch (m.kind) {
      case 'forward':
        // A follower relays what a client sent it; the client's MAC for the sequencer (rank 0)
        // says the client really sent it, so a faulty follower cannot order ops in a client's
        // name (which matters where clients count on other replicas, as in a switching cluster).
        if (this.isSequencer && verifyRequestFor(this.env.crypto, 0, m.request)) this.enqueue(m.request);
        return;
      case 'order':
        return this.onOrder(from, m);
      case 'fetch':
        return this.onFetch(from, m.fromSeq);
    }
  }

  onTimer(timer: TimerKey): void {
    const t = timer as Timer;
    if (t.kind === 'flush') {
      this.flushArmed = false;
      this.flush();
    } else if (t.kind === 'sync' && t.delivered === this.delivered && this.ahead.size > 0) {
      this.requestMissing();
    }
  }

  private enqueue(r: ClientRequest): void {
    const key = `${r.client}:${r.requestId}`;
    if (this.known.has(key) || this.pending.length >= this.tuning.pendingMax) return;
    this.known.add(key);
    this.pending.push(r);
    if (this.pending.length >= this.tuning.batchMax) return this.flush();
    // Batch what arrives within batchDelayMs; a zero delay still batches all that arrived in one event turn.
    if (!this.flushArmed) {
      this.flushArmed = true;
      this.env.setTimer(this.tuning.batchDelayMs, { kind: 'flush' });
    }
  }

  /** Cut batches from what is pending, order them, and deliver them here. */
  private flush(): void {
    while (this.pending.length > 0) {
      const requests = this.takeBatch();
      const order: OrderMessage = { kind: 'order', seq: ++this.lastOrdered, requests };
      this.retain(order);
      this.env.broadcast(order);
      this.env.deliver({ kind: 'batch', seq: order.seq, requests });
      this.delivered = order.seq;
    }
  }

  private takeBatch(): ClientRequest[] {
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && count < this.tuning.batchMax) {
      const size = (this.pending[count] as ClientRequest).op.byteLength;
      if (count > 0 && bytes + size > this.tuning.batchBytesMax) break;
      bytes += size;
      count++;
    }
    const batch = this.pending.slice(0, count);
    this.pending = this.pending.slice(count);
    return batch;
  }

  private retain(order: OrderMessage): void {
    this.log.set(order.seq, order);
    const old = this.log.get(order.seq - this.tuning.logRetain);
    if (old === undefined) return;
    this.log.delete(old.seq);
    for (const r of old.requests) this.known.delete(`${r.client}:${r.requestId}`);
  }

  private onOrder(from: NodeId, m: OrderMessage): void {
    const v = validateOrder(from, m, {
      sequencer: this.sequencer,
      delivered: this.delivered,
      windowMax: this.tuning.followWindow,
      batchBytesMax: Math.max(this.tuning.batchBytesMax, limits.batchBytesMax),
    });
    if (v.verdict === 'reject') return this.env.suspect(from, { code: v.code });
    if (v.verdict === 'ignore') return;
    this.ahead.set(m.seq, m);
    while (this.ahead.has(this.delivered + 1)) {
      const next = this.ahead.get(this.delivered + 1) as OrderMessage;
      this.ahead.delete(next.seq);
      this.delivered = next.seq;
      this.env.deliver({ kind: 'batch', seq: next.seq, requests: next.requests });
    }
    if (this.ahead.size > 0)
      this.env.setTimer(this.tuning.syncMs, { kind: 'sync', delivered: this.delivered });
  }

  private requestMissing(): void {
    this.env.send(this.sequencer, { kind: 'fetch', fromSeq: this.delivered + 1 });
    this.env.setTimer(this.tuning.syncMs, { kind: 'sync', delivered: this.delivered });
  }

  /** Resend retained batches to a follower that lost some, a bounded number per request. */
  private onFetch(from: NodeId, fromSeq: number): void {
    if (!this.isSequencer) return;
    const last = Math.min(this.lastOrdered, fromSeq + this.tuning.fetchBatchesMax - 1);
    for (let s = fromSeq; s <= last; s++) {
      const order = this.log.get(s);
      if (order !== undefined) this.env.send(from, order);
    }
  }
}
