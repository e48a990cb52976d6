/**
 * The Reliable layer: the intrusion-tolerant reliable multicast of seed 003 ("Reliable Multicast
 * Protocol"; "Implementation of the ITUA GCS: Reliable Multicast"). Three phases per message:
 * the sender multicasts its signed digest of {m, i, s}; each member replies with a signature;
 * the sender multicasts m with quorum (2f+1) signatures: its own digest signature and 2f replies.
 * Members sign their replies in batches (one signature per Merkle root, signing.ts) and remember
 * the roots they checked, so that a burst of multicasts costs each member about one check per
 * other member rather than 2f per message. Messages are delivered in per-sender sequence order
 * (FIFO). Phase 2 replies and the Stable layer's arrays are the
 * positive acknowledgements; negative acknowledgements ask for what is missing, from the sender
 * and from members known to hold it. A member that signs two digests under one sequence number
 * is suspected, with both signatures as evidence that every member can check.
 *
 * Buffers are bounded as in the paper's Figure 4: per sender, only sequence numbers in
 * (stability threshold, stability threshold + window] are accepted, and what is stable is
 * discarded (the Stable layer supplies the thresholds).
 */
import { assert } from '../../core/assert.js';
import { suspicion, type Layer, type LayerEnv, type Rank, type Suspicion } from './layer.js';
import type {
  DigestMessage,
  NakMessage,
  ReliableMessage,
  ReplyMessage,
  ReplyProof,
  RmMessage,
} from './messages.js';
import { ProofKeeper } from './proofs.js';
import {
  type RoundTrip,
  nakTargets,
  newSenderState,
  type Outgoing,
  type SenderState,
  type Slot,
} from './reliable-state.js';
import { ReplyBatch } from './reply-batch.js';
import { VerifiedBatches, messageDigest, signDigest, type MulticastId, type ReplyItem } from './signing.js';
import type { ItuaTuning, ReliableTimer } from './timers.js';
import {
  validateDigest,
  validateMessage,
  validateNak,
  validateReply,
  type ReliableContext,
  type Verdict,
} from './validate.js';
import { bytesEqual } from '../../core/bytes.js';

export type ReliableRequest =
  /** Multicast a body (queued while the sender's own window is full). */
  | { readonly kind: 'multicast'; readonly body: Uint8Array }
  /** From the Stable layer: the stability threshold of each sender. */
  | { readonly kind: 'stable'; readonly thresholds: readonly number[] }
  /** From the Stable layer: how many messages of each sender `reporter` has received. */
  | { readonly kind: 'report'; readonly reporter: Rank; readonly received: readonly number[] };

export interface ReliableDelivery {
  readonly sender: Rank;
  readonly seq: number;
  readonly body: Uint8Array;
}

export type ReliableOut = { readonly kind: 'deliver'; readonly delivery: ReliableDelivery } | Suspicion;

export class Reliable implements Layer<ReliableMessage, ReliableRequest, ReliableTimer> {
  private readonly n: number;
  private readonly senders: SenderState[];
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly queue: Uint8Array[] = [];
  private nextSeq = 1;
  /** What each member last reported delivering, per sender (to pick who can answer a NAK). */
  private readonly reported: number[][];
  private readonly nakAnsweredAt = new Map<number, number>();
  private readonly proofs: ProofKeeper;
  private readonly ctx: ReliableContext;
  private readonly replies: ReplyBatch;

  constructor(
    private readonly env: LayerEnv<ReliableMessage, ReliableOut, ReliableTimer>,
    private readonly tuning: ItuaTuning,
    private readonly roundTrip: RoundTrip,
  ) {
    this.n = env.view.members.length;
    this.senders = Array.from({ length: this.n }, () => newSenderState(tuning.nakRetryMs));
    this.reported = Array.from({ length: this.n }, () => new Array<number>(this.n).fill(0));
    this.proofs = new ProofKeeper(env, tuning);
    this.ctx = {
      view: env.view,
      self: env.self,
      crypto: env.crypto,
      nodeOf: (r) => env.nodeOf(r),
      stable: (r) => (this.senders[r] as SenderState).stable,
      windowMax: tuning.windowMax,
      verified: new VerifiedBatches(),
    };
    this.replies = new ReplyBatch(env, tuning, this.ctx.verified, (item, proof) =>
      this.onReplySigned(item, proof),
    );
  }

  start(): void {}

  onMessage(from: Rank, m: ReliableMessage): void {
    switch (m.kind) {
      case 'rm-digest':
        return this.onDigest(from, m);
      case 'rm-reply':
        return this.onReply(from, m);
      case 'rm-message':
        return this.onCertified(from, m);
      case 'rm-nak':
        return this.onNak(from, m);
      case 'rm-proof':
        return this.proofs.onProof(from, m);
    }
  }

  onRequest(r: ReliableRequest): void {
    switch (r.kind) {
      case 'multicast':
        this.queue.push(r.body);
        assert(this.queue.length <= this.tuning.pendingMax + this.n, 'reliable: queue beyond its bound');
        return this.pump();
      case 'stable':
        return this.onStable(r.thresholds);
      case 'report':
        return this.onReport(r.reporter, r.received);
    }
  }

  onTimer(t: ReliableTimer): void {
    if (t.view !== this.env.view.id) return;
    switch (t.kind) {
      case 'rm.digest':
        return this.onDigestTimeout(t.seq);
      case 'rm.nak':
        return this.onNakTimeout(t.sender);
      case 'rm.proofs':
        return this.proofs.onRepeat();
      case 'rm.replies':
        return this.replies.flush();
    }
  }

  /** Delivered counts per sender (what the Stable layer may compare against). */
  deliveredCounts(): number[] {
    return this.senders.map((s) => s.delivered);
  }

  // ---- sender side: phases 1 and 3 -------------------------------------------------------

  /** Figure 4 applies to my own messages too: I start no more than `windowMax` above my threshold. */
  private pump(): void {
    const own = this.senders[this.env.self] as SenderState;
    while (this.queue.length > 0 && this.nextSeq <= own.stable + this.tuning.windowMax) {
      this.startMulticast(this.queue.shift() as Uint8Array);
    }
  }

  /** Phase 1: buffer m, give it the next sequence number, multicast the signed digest of {m, i, s}. */
  private startMulticast(body: Uint8Array): void {
    const { env } = this;
    const seq = this.nextSeq++;
    const id = this.id(env.self, seq);
    const signed = signDigest(env.crypto, id, messageDigest(env.crypto, id, body));
    // My digest signature stands for my own reply: with 2f replies of the others, n - f members
    // suffice for progress.
    const replies = new Map<Rank, ReplyProof>();
    const retryMs = this.roundTrip.timeoutMs();
    const out: Outgoing = { body, signed, replies, certified: false, retryMs, startedAt: env.now() };
    this.outgoing.set(seq, out);
    env.broadcast({ kind: 'rm-digest', view: env.view.id, sender: env.self, seq, ...signed });
    env.setTimer(out.retryMs, { kind: 'rm.digest', view: env.view.id, seq });
    this.maybeCertify(seq, out);
  }

  /** Phase 2 at the sender: collect signed replies that are indeed for the message it sent. */
  private onReply(from: Rank, m: ReplyMessage): void {
    const out = this.outgoing.get(m.seq);
    const own = out && { digest: out.signed.digest, certified: out.certified };
    if (!this.judge(from, validateReply(from, m, this.ctx, own)) || out === undefined) return;
    out.replies.set(from, { sig: m.sig, index: m.index, path: m.path });
    this.maybeCertify(m.seq, out);
  }

  /** Phase 3: with a quorum of replies, multicast m with the certificate, and deliver it here. */
  private maybeCertify(seq: number, out: Outgoing): void {
    const { env } = this;
    const needed = env.view.quorum - 1;
    if (out.certified || out.replies.size < needed) return;
    out.certified = true;
    this.roundTrip.sample(env.now() - out.startedAt);
    env.cancelTimer({ kind: 'rm.digest', view: env.view.id, seq });
    const cert = [...out.replies]
      .sort((a, b) => a[0] - b[0])
      .slice(0, needed)
      .map(([rank, proof]) => ({ rank, ...proof }));
    const message: RmMessage = {
      kind: 'rm-message',
      view: env.view.id,
      sender: env.self,
      seq,
      body: out.body,
      sig: out.signed.sig,
      cert,
    };
    const slot = this.slot(env.self, seq);
    slot.digest = out.signed;
    slot.message = message;
    env.broadcast(message);
    this.deliverReady(env.self);
  }

  /** Phase 1 retransmission: the digest again, to the members whose replies have not come. */
  private onDigestTimeout(seq: number): void {
    const { env } = this;
    const out = this.outgoing.get(seq);
    if (out === undefined || out.certified) return;
    const m: DigestMessage = { kind: 'rm-digest', view: env.view.id, sender: env.self, seq, ...out.signed };
    for (let r = 0; r < this.n; r++) if (r !== env.self && !out.replies.has(r)) env.send(r, m);
    out.retryMs = Math.min(out.retryMs * 2, this.tuning.retryMsMax);
    env.setTimer(out.retryMs, { kind: 'rm.digest', view: env.view.id, seq });
  }

  // ---- receiver side ----------------------------------------------------------------------

  /**
   * Phase 2 at a member: check no other digest came for (i, s), then reply with a signature. The
   * reply waits up to `replyBatchMs` for others to be signed with it (a repeated digest is
   * answered at once with the reply signed already).
   */
  private onDigest(from: Rank, m: DigestMessage): void {
    const held = this.senders[m.sender]?.slots.get(m.seq)?.digest;
    if (!this.judge(from, validateDigest(from, m, this.ctx, held))) return;
    const slot = this.slot(m.sender, m.seq);
    const signed = { digest: m.digest, sig: m.sig };
    if (slot.digest !== undefined && !bytesEqual(slot.digest.digest, m.digest)) {
      return this.proofs.found(m.sender, m.seq, slot.digest, signed);
    }
    slot.digest ??= signed;
    // A digest is no reason to ask for its message yet: phases 2 and 3 take a while, and the
    // message comes by itself if its sender is correct. What proves that a message exists and is
    // missed here is a later message of the sender, or another member's stability array.
    if (slot.message !== undefined) return;
    if (slot.reply !== undefined) return this.sendReply(m.sender, m.seq, m.digest, slot.reply);
    if (slot.replyQueued === true) return;
    slot.replyQueued = true;
    this.replies.add({ id: this.id(m.sender, m.seq), digest: m.digest });
  }

  /** A reply the batch signed: it goes to its sender, unless the message came meanwhile. */
  private onReplySigned({ id, digest }: ReplyItem, proof: ReplyProof): void {
    // What became stable meanwhile needs no reply (and its slot is not brought back).
    const slot = this.senders[id.sender]?.slots.get(id.seq);
    if (slot === undefined) return;
    slot.replyQueued = false;
    slot.reply = proof;
    if (slot.message === undefined) this.sendReply(id.sender, id.seq, digest, proof);
  }

  private sendReply(sender: Rank, seq: number, digest: Uint8Array, proof: ReplyProof): void {
    const view = this.env.view.id;
    this.env.send(sender, { kind: 'rm-reply', view, sender, seq, digest, ...proof });
  }

  /** Phase 3 at a member: accept a certified message (from its sender or relayed), deliver in order. */
  private onCertified(from: Rank, m: RmMessage): void {
    const held = this.senders[m.sender]?.slots.get(m.seq);
    const v = validateMessage(m, this.ctx, held?.message !== undefined, held);
    if (v.verdict === 'reject') this.env.emit(suspicion(from, v.code, 'rm-message'));
    if (v.verdict !== 'accept') return;
    const slot = this.slot(m.sender, m.seq);
    const signed = { digest: v.digest, sig: m.sig };
    // A certified message is still delivered after its sender equivocated: at most one digest
    // per sequence number can gather a quorum, so every correct member delivers this one.
    if (slot.digest !== undefined && !bytesEqual(slot.digest.digest, v.digest)) {
      this.proofs.found(m.sender, m.seq, slot.digest, signed);
    }
    slot.digest = signed;
    slot.message = m;
    this.noteKnown(m.sender, m.seq);
    this.deliverReady(m.sender);
  }

  /** FIFO: deliver the sender's messages in sequence order, as far as there is no gap. */
  private deliverReady(sender: Rank): void {
    const st = this.senders[sender] as SenderState;
    const before = st.delivered;
    for (;;) {
      const slot = st.slots.get(st.delivered + 1);
      if (slot?.message === undefined) break;
      st.delivered++;
      this.env.emit({ kind: 'deliver', delivery: { sender, seq: st.delivered, body: slot.message.body } });
    }
    if (st.delivered > before) st.nakRetryMs = this.tuning.nakRetryMs;
    this.checkGap(sender);
  }

  private noteKnown(sender: Rank, seq: number): void {
    const st = this.senders[sender] as SenderState;
    if (seq > st.known) st.known = seq;
    this.checkGap(sender);
  }

  /** A gap (something known to exist is not delivered): ask for it after a short wait. */
  private checkGap(sender: Rank): void {
    const st = this.senders[sender] as SenderState;
    if (sender === this.env.self || st.nakArmed || st.known <= st.delivered) return;
    st.nakArmed = true;
    this.env.setTimer(this.tuning.nakDelayMs, { kind: 'rm.nak', view: this.env.view.id, sender });
  }

  /** Negative acknowledgement: ask the sender, and up to f+1 members known to hold the messages. */
  private onNakTimeout(sender: Rank): void {
    const { env } = this;
    const st = this.senders[sender] as SenderState;
    st.nakArmed = false;
    if (st.known <= st.delivered) return;
    const fromSeq = st.delivered + 1;
    const toSeq = Math.min(st.known, st.delivered + this.tuning.nakBatchMax);
    const held = st.slots.get(fromSeq)?.digest;
    const nak: NakMessage = { kind: 'rm-nak', view: env.view.id, sender, fromSeq, toSeq, held };
    const targets = nakTargets(this.reported, env.self, sender, fromSeq, env.view.f, env.random());
    for (const to of targets) env.send(to, nak);
    st.nakArmed = true;
    env.setTimer(st.nakRetryMs, { kind: 'rm.nak', view: env.view.id, sender });
    st.nakRetryMs = Math.min(st.nakRetryMs * 2, this.tuning.retryMsMax);
  }

  /** Retransmission: resend what I hold of the range, at most a batch, at a bounded rate per asker. */
  private onNak(from: Rank, m: NakMessage): void {
    const mine = this.senders[m.sender]?.slots.get(m.fromSeq)?.digest;
    if (!this.judge(from, validateNak(m, this.ctx, mine))) return;
    const st = this.senders[m.sender] as SenderState;
    if (m.held !== undefined && mine !== undefined && !bytesEqual(mine.digest, m.held.digest)) {
      this.proofs.found(m.sender, m.fromSeq, mine, m.held);
    }
    const key = from * this.n + m.sender;
    const now = this.env.now();
    const last = this.nakAnsweredAt.get(key);
    if (last !== undefined && now - last < this.tuning.nakAnswerMs) return;
    this.nakAnsweredAt.set(key, now);
    const lo = Math.max(m.fromSeq, st.stable + 1);
    const hi = Math.min(m.toSeq, lo + this.tuning.nakBatchMax - 1);
    for (let s = lo; s <= hi; s++) {
      const message = st.slots.get(s)?.message;
      if (message !== undefined) this.env.send(from, message);
    }
  }

  // ---- stability (from the Stable layer) -----------------------------------------------------

  /** Figure 4: discard what every member has delivered, and let my own window move on. */
  private onStable(thresholds: readonly number[]): void {
    for (let i = 0; i < this.n; i++) {
      const st = this.senders[i] as SenderState;
      const t = thresholds[i] ?? 0;
      if (t <= st.stable) continue;
      assert(t <= st.delivered, `reliable: threshold ${t} of sender ${i} above what I delivered`);
      st.stable = t;
      for (const s of st.slots.keys()) if (s <= t) st.slots.delete(s);
      if (i === this.env.self) for (const s of this.outgoing.keys()) if (s <= t) this.outgoing.delete(s);
    }
    this.pump();
  }

  /** Another member's array tells me which messages exist and who holds them. */
  private onReport(reporter: Rank, delivered: readonly number[]): void {
    const row = this.reported[reporter];
    if (row === undefined) return;
    for (let i = 0; i < this.n; i++) {
      const count = delivered[i] ?? 0;
      if (count > (row[i] as number)) row[i] = count;
      const st = this.senders[i] as SenderState;
      if (i !== this.env.self) this.noteKnown(i, Math.min(count, st.stable + this.tuning.windowMax));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private slot(sender: Rank, seq: number): Slot {
    const { slots } = this.senders[sender] as SenderState;
    const s = slots.get(seq) ?? {};
    slots.set(seq, s);
    return s;
  }

  private id(sender: Rank, seq: number): MulticastId {
    return { view: this.env.view.id, sender, seq };
  }

  /** Accept goes on; a reject suspects the member that sent the message; an ignore just drops it. */
  private judge(from: Rank, v: Verdict): boolean {
    if (v.verdict === 'reject') this.env.emit(suspicion(from, v.code, 'reliable'));
    return v.verdict === 'accept';
  }
}
