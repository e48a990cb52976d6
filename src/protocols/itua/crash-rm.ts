/**
 * The crash-only baseline of seed 003's Figure 5: reliable FIFO multicast in the manner of
 * C-Ensemble's `mnak` layer, which the paper's `mnak-no_total` stack used. Per-sender sequence
 * numbers, negative acknowledgements and retransmission, periodic status so that a lost tail is
 * noticed and stable messages are discarded; no signatures, no digests, no three phases, no
 * suspicion: every member is trusted, as in any crash-tolerant group communication system.
 *
 * It is a measurement baseline, not a layer of the intrusion-tolerant stack: it exists so the
 * experiments can show what the three phases and the cryptography of `reliable.ts` cost. It
 * still keeps its buffers bounded (a window above the stability threshold, like Figure 4), since
 * even a trusted peer can be slow.
 */
import { assert } from '../../core/assert.js';
import type { Env, Protocol } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import { bytes, list, u16, u64, union, type Infer } from '../../codec/schema.js';
import type { GroupDelivery } from './total.js';

export const crashRmSchema = union('CrashRm', {
  /** A multicast, sent once to everyone and resent on request. */
  'cr-data': [1, { sender: u16, seq: u64, body: bytes(64 * 1024, 'body') }],
  /** Resend `sender`'s messages fromSeq..toSeq to me. */
  'cr-nak': [2, { sender: u16, fromSeq: u64, toSeq: u64 }],
  /** How many messages of each sender (by rank) I received in order. */
  'cr-status': [3, { received: list(u64, limits.membersMax, 'received') }],
});

export type CrashRmMessage = Infer<typeof crashRmSchema>;

export type CrashRmTimer =
  { readonly kind: 'cr.status' } | { readonly kind: 'cr.nak'; readonly sender: number };

export interface CrashRmTuning {
  /** Status (received counts) is multicast this often: tail-loss detection and garbage collection. */
  readonly statusIntervalMs: number;
  /** Wait this long after seeing a gap before asking for it, then repeat as often while it remains. */
  readonly nakDelayMs: number;
  /** Messages of one sender kept above its stability threshold (and own multicasts in flight). */
  readonly windowMax: number;
  /** Messages resent for one negative acknowledgement at most. */
  readonly nakBatchMax: number;
}

export const crashRmDefaults: CrashRmTuning = {
  statusIntervalMs: 50,
  nakDelayMs: 15,
  windowMax: 256,
  nakBatchMax: 64,
};

interface SenderState {
  /** Messages delivered in order (the next expected is received + 1). */
  received: number;
  /** Below or at this, every member has the message: it is discarded and ignored. */
  stable: number;
  /** Messages held: delivered ones not yet stable (for retransmission), and ones above a gap. */
  readonly held: Map<number, Uint8Array>;
}

export class CrashRm implements Protocol<CrashRmMessage, CrashRmTimer> {
  readonly self: number;
  private readonly tuning: CrashRmTuning;
  private readonly rankOf: ReadonlyMap<NodeId, number>;
  private readonly senders: SenderState[];
  /** received[reporter][sender], from each member's latest status (mine kept live). */
  private readonly reports: number[][];

  constructor(
    private readonly env: Env<CrashRmMessage, CrashRmTimer, GroupDelivery>,
    private readonly members: readonly NodeId[],
    tuning?: Partial<CrashRmTuning>,
  ) {
    this.tuning = { ...crashRmDefaults, ...tuning };
    this.rankOf = new Map(members.map((node, rank) => [node, rank]));
    const self = this.rankOf.get(env.self);
    assert(self !== undefined, `crash-rm: node ${env.self} is not a member`);
    this.self = self;
    this.senders = members.map(() => ({ received: 0, stable: 0, held: new Map() }));
    this.reports = members.map(() => members.map(() => 0));
  }

  start(): void {
    this.env.setTimer(this.tuning.statusIntervalMs, { kind: 'cr.status' });
  }

  /** False when my window is full (too many of my multicasts are not yet stable): try later. */
  multicast(data: Uint8Array): boolean {
    const me = this.sender(this.self);
    if (me.received - me.stable >= this.tuning.windowMax) return false;
    const seq = me.received + 1;
    this.env.broadcast({ kind: 'cr-data', sender: this.self, seq, body: data });
    this.accept(this.self, seq, data);
    return true;
  }

  /** Messages held in all buffers (for tests and operators). */
  heldCount(): number {
    return this.senders.reduce((sum, s) => sum + s.held.size, 0);
  }

  onMessage(from: NodeId, m: CrashRmMessage): void {
    const rank = this.rankOf.get(from);
    if (rank === undefined || rank === this.self) return;
    switch (m.kind) {
      case 'cr-data':
        return this.accept(m.sender, m.seq, m.body);
      case 'cr-nak':
        return this.onNak(from, m.sender, m.fromSeq, m.toSeq);
      case 'cr-status':
        return this.onStatus(rank, m.received);
    }
  }

  onTimer(t: CrashRmTimer): void {
    if (t.kind === 'cr.status') {
      this.env.broadcast({ kind: 'cr-status', received: this.senders.map((s) => s.received) });
      this.env.setTimer(this.tuning.statusIntervalMs, t);
      return;
    }
    const s = this.senders[t.sender];
    if (s === undefined || !this.hasGap(t.sender)) return;
    this.askFor(t.sender, s);
    this.env.setTimer(this.tuning.nakDelayMs, t);
  }

  private sender(rank: number): SenderState {
    const s = this.senders[rank];
    assert(s !== undefined, `crash-rm: no sender ${rank}`);
    return s;
  }

  /** Buffer a message inside the window and deliver whatever is now in order. */
  private accept(rank: number, seq: number, body: Uint8Array): void {
    const s = this.senders[rank];
    if (s === undefined || seq <= s.received || seq > s.stable + this.tuning.windowMax) return;
    s.held.set(seq, body);
    for (let next = s.held.get(s.received + 1); next !== undefined; next = s.held.get(s.received + 1)) {
      s.received++;
      const reports = this.reports[this.self];
      if (reports !== undefined) reports[rank] = s.received;
      this.env.deliver({ kind: 'deliver', sender: rank, seq: s.received, guarantee: 'fifo', data: next });
    }
    if (this.hasGap(rank)) this.env.setTimer(this.tuning.nakDelayMs, { kind: 'cr.nak', sender: rank });
  }

  /** Some member holds (or I hold) a message of `rank` beyond the ones I delivered. */
  private hasGap(rank: number): boolean {
    const s = this.sender(rank);
    if (s.held.has(s.received + 1)) return false;
    for (const seq of s.held.keys()) if (seq > s.received) return true;
    return this.reports.some((r) => (r[rank] ?? 0) > s.received);
  }

  /** Ask the sender, and one member that reported having the messages, for what I miss. */
  private askFor(rank: number, s: SenderState): void {
    const fromSeq = s.received + 1;
    const toSeq = Math.min(s.stable + this.tuning.windowMax, fromSeq + this.tuning.nakBatchMax - 1);
    const nak: CrashRmMessage = { kind: 'cr-nak', sender: rank, fromSeq, toSeq };
    const sender = this.members[rank];
    if (sender !== undefined) this.env.send(sender, nak);
    const holder = this.reports.findIndex(
      (r, i) => i !== rank && i !== this.self && (r[rank] ?? 0) >= fromSeq,
    );
    const holderNode = this.members[holder];
    if (holderNode !== undefined) this.env.send(holderNode, nak);
  }

  private onNak(asker: NodeId, rank: number, fromSeq: number, toSeq: number): void {
    const s = this.senders[rank];
    if (s === undefined) return;
    const last = Math.min(toSeq, fromSeq + this.tuning.nakBatchMax - 1, s.received);
    for (let seq = Math.max(fromSeq, s.stable + 1); seq <= last; seq++) {
      const body = s.held.get(seq);
      if (body !== undefined) this.env.send(asker, { kind: 'cr-data', sender: rank, seq, body });
    }
  }

  private onStatus(reporter: number, received: readonly number[]): void {
    const row = this.reports[reporter];
    if (row === undefined || received.length !== this.members.length) return;
    received.forEach((count, sender) => {
      row[sender] = Math.max(row[sender] ?? 0, count);
      if (count > this.sender(sender).received) {
        this.env.setTimer(this.tuning.nakDelayMs, { kind: 'cr.nak', sender });
      }
    });
    this.collect();
  }

  /** Discard what every member has received (the stability threshold of each sender). */
  private collect(): void {
    this.senders.forEach((s, sender) => {
      const stable = Math.min(...this.reports.map((r) => r[sender] ?? 0));
      for (let seq = s.stable + 1; seq <= stable; seq++) s.held.delete(seq);
      s.stable = Math.max(s.stable, stable);
    });
  }
}
