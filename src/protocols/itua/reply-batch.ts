/**
 * Phase 2's replies, signed in batches (signing.ts): a member gathers the digests it is to reply
 * to for `replyBatchMs` (0: those that came with the same events) or until `replyBatchMax` are
 * waiting, then signs them all under one Merkle root and hands each proof back to the Reliable
 * layer, which sends it to its sender.
 */
import type { LayerEnv } from './layer.js';
import type { ReplyProof } from './messages.js';
import { REPLY_BATCH_MAX, signReplies, type ReplyItem, type VerifiedBatches } from './signing.js';
import type { ItuaTuning, ReliableTimer } from './timers.js';

export class ReplyBatch {
  /** Digests waiting for the next signature (at most `replyBatchMax`). */
  private readonly items: ReplyItem[] = [];
  private armed = false;

  constructor(
    private readonly env: Pick<
      LayerEnv<never, never, ReliableTimer>,
      'crypto' | 'view' | 'self' | 'setTimer' | 'cancelTimer'
    >,
    private readonly tuning: ItuaTuning,
    private readonly verified: VerifiedBatches,
    private readonly signed: (item: ReplyItem, proof: ReplyProof) => void,
  ) {}

  add(item: ReplyItem): void {
    this.items.push(item);
    const max = Math.min(Math.max(1, this.tuning.replyBatchMax), REPLY_BATCH_MAX);
    if (this.items.length >= max) return this.flush();
    if (this.armed) return;
    this.armed = true;
    this.env.setTimer(this.tuning.replyBatchMs, { kind: 'rm.replies', view: this.env.view.id });
  }

  /** Sign what waits with one signature (I know every node of my own tree from now on). */
  flush(): void {
    const { env } = this;
    if (this.armed) env.cancelTimer({ kind: 'rm.replies', view: env.view.id });
    this.armed = false;
    const items = this.items.splice(0);
    if (items.length === 0) return;
    const { levels, proofs } = signReplies(env.crypto, env.view.id, items);
    if (levels.length > 0) this.verified.addTree(env.self, (proofs[0] as ReplyProof).sig, levels);
    items.forEach((item, i) => this.signed(item, proofs[i] as ReplyProof));
  }
}
