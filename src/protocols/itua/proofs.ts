/**
 * Equivocation evidence, kept by the Reliable layer (seed 003, "Reliable Multicast Protocol":
 * "each recipient ascertains that it hasn't received another digest or message with sequence
 * number s from p_i"). A member that holds two different digests signed by one sender for one
 * sequence number suspects the sender with both signatures as evidence, multicasts that proof,
 * and repeats it while the view lasts: whoever was not deceived learns it from the proof alone,
 * since any member can check two signatures.
 */
import type { LayerEnv, Rank } from './layer.js';
import { suspicion } from './layer.js';
import type { ProofMessage, ReliableMessage, SignedDigest } from './messages.js';
import type { ReliableOut } from './reliable.js';
import type { ItuaTuning, ReliableTimer } from './timers.js';
import { validateProof } from './validate.js';

export class ProofKeeper {
  /** One proof per equivocating sender: one is enough to exclude it. */
  private readonly proofs = new Map<Rank, ProofMessage>();
  private armed = false;

  constructor(
    private readonly env: LayerEnv<ReliableMessage, ReliableOut, ReliableTimer>,
    private readonly tuning: ItuaTuning,
  ) {}

  /** I hold two signed digests of `sender` for `seq`: `first` was seen first. */
  found(sender: Rank, seq: number, first: SignedDigest, second: SignedDigest): void {
    this.hold({ kind: 'rm-proof', view: this.env.view.id, sender, seq, first, second });
  }

  /** A proof from another member: checked (a bogus one is that member's fault), then held. */
  onProof(from: Rank, m: ProofMessage): void {
    if (m.sender === this.env.self || this.proofs.has(m.sender)) return;
    const v = validateProof(m, this.env);
    if (v.verdict === 'reject') this.env.emit(suspicion(from, v.code, 'rm-proof'));
    if (v.verdict === 'accept') this.hold(m);
  }

  onRepeat(): void {
    for (const proof of this.proofs.values()) this.env.broadcast(proof);
    this.env.setTimer(this.tuning.proofRepeatMs, { kind: 'rm.proofs', view: this.env.view.id });
  }

  private hold(proof: ProofMessage): void {
    if (this.proofs.has(proof.sender) || proof.sender === this.env.self) return;
    this.proofs.set(proof.sender, proof);
    this.env.emit(suspicion(proof.sender, 'EQUIVOCATION', `seq ${proof.seq}`, proof));
    this.env.broadcast(proof);
    if (this.armed) return;
    this.armed = true;
    this.env.setTimer(this.tuning.proofRepeatMs, { kind: 'rm.proofs', view: this.env.view.id });
  }
}
