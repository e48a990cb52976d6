/**
 * The last phases of a view installation (seed 003): Ready-to-Switch, then message stabilization.
 * A member ready for a committed proposal stops delivering (the Sync layer's block) and says how
 * many messages of each sender it holds; once every member of the next view is ready for the same
 * proposal, the cut is, per sender, the most any of them holds. Every one of them fetches what it
 * lacks (the Reliable layer's NAKs, from those that claimed it) and delivers up to the cut, so the
 * members that move on together delivered the same set in this view (view synchrony). A member
 * that does not send Ready-to-Switch in time, or claims messages it cannot resend (Table III,
 * Impede Stabilization), is suspected.
 */
import type { Rank, SuspectCode } from '../layer.js';
import type { AgreementHost } from './host.js';
import type { ReadyMessage } from './messages.js';
import { readyStatement, type Proposal } from './signing.js';
import { bytesEqual, validateReady, type MembershipContext } from './validate.js';

/** A proposal and its digest. */
export interface Named {
  readonly proposal: Proposal;
  readonly digest: Uint8Array;
}

/** Which New-View a message is about: leaders in rank order, then their rounds. */
export interface Stamp {
  readonly leader: Rank;
  readonly round: number;
}

export const after = (a: Stamp, b: Stamp): boolean =>
  a.leader > b.leader || (a.leader === b.leader && a.round > b.round);

export class ReadyPhase {
  /** My Ready's phase is open (neither its timer nor stabilization's expired). */
  open = false;
  private readyFor: Named | undefined;
  private readyOut: ReadyMessage | undefined;
  /** Each member's latest Ready-to-Switch (one per member: bounded). */
  private readonly readies = new Map<Rank, ReadyMessage>();
  private stabilizing: (Named & { cut: number[] }) | undefined;

  constructor(
    private readonly host: AgreementHost,
    private readonly ctx: MembershipContext,
    private readonly suspect: (rank: Rank, code: SuspectCode, detail: string) => void,
    private readonly progress: () => void,
  ) {}

  /** My latest Ready-to-Switch (repeated, and shown to members that lag behind). */
  get out(): ReadyMessage | undefined {
    return this.readyOut;
  }

  isFor(digest: Uint8Array): boolean {
    return this.readyFor !== undefined && bytesEqual(this.readyFor.digest, digest);
  }

  send(c: Named): void {
    const { host } = this;
    if (this.isFor(c.digest)) return;
    host.freeze();
    const counts = [...host.counts()];
    const { view, round, leader } = c.proposal;
    const sig = host.crypto.sign(readyStatement(c.digest, host.self, counts));
    const m: ReadyMessage = { kind: 'gm-ready', view, round, leader, digest: c.digest, counts, sig };
    this.readyFor = c;
    this.open = true;
    this.readyOut = m;
    this.readies.set(host.self, m);
    host.broadcast(m);
    host.setTimer(host.tuning.readyTimeoutMs, { kind: 'gm.ready', view: host.view.id });
    this.check();
  }

  onReady(from: Rank, m: ReadyMessage): void {
    const v = validateReady(from, m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept') return;
    const prev = this.readies.get(from);
    if (prev !== undefined && !after(m, prev)) return;
    this.readies.set(from, m);
    this.check();
  }

  /** The proposal and cut once this member holds everything up to the cut. */
  reached(): (Named & { cut: readonly number[] }) | undefined {
    const s = this.stabilizing;
    if (s === undefined) return undefined;
    const counts = this.host.counts();
    for (let i = 0; i < s.cut.length; i++) if ((counts[i] ?? 0) < (s.cut[i] as number)) return undefined;
    return s;
  }

  /** Suspects the members whose Ready did not come; true when the phase timed out. */
  onReadyTimeout(): boolean {
    const r = this.readyFor;
    if (r === undefined || this.stabilizing !== undefined) return false;
    for (const k of r.proposal.kept) {
      const m = this.readies.get(k);
      if (m === undefined || !bytesEqual(m.digest, r.digest))
        this.suspect(k, 'READY_TIMEOUT', 'no Ready-to-Switch');
    }
    return true;
  }

  /** Whoever claimed messages I still lack is suspected (Table III, Impede Stabilization). */
  onStabilizeTimeout(): boolean {
    const s = this.stabilizing;
    if (s === undefined) return false;
    const counts = this.host.counts();
    for (const k of s.proposal.kept) {
      const claim = this.readies.get(k);
      if (k === this.host.self || claim === undefined) continue;
      const i = claim.counts.findIndex((c, sender) => c > (counts[sender] ?? 0));
      if (i >= 0) this.suspect(k, 'STABILIZE_TIMEOUT', `claims ${claim.counts[i]} messages of ${i}`);
    }
    return true;
  }

  /** Every member of the next view is ready for the proposal I am ready for: stabilize to the cut. */
  private check(): void {
    const r = this.readyFor;
    if (r === undefined || (this.stabilizing !== undefined && bytesEqual(this.stabilizing.digest, r.digest)))
      return;
    const ready: ReadyMessage[] = [];
    for (const k of r.proposal.kept) {
      const m = this.readies.get(k);
      if (m === undefined || !bytesEqual(m.digest, r.digest)) return;
      ready.push(m);
    }
    const cut = new Array<number>(this.host.view.members.length).fill(0);
    for (const m of ready)
      for (let i = 0; i < cut.length; i++) cut[i] = Math.max(cut[i] as number, m.counts[i] ?? 0);
    this.host.cancelTimer({ kind: 'gm.ready', view: this.host.view.id });
    this.stabilizing = { ...r, cut };
    r.proposal.kept.forEach((k, i) => this.host.expect(k, (ready[i] as ReadyMessage).counts));
    this.host.setTimer(this.host.tuning.stabilizeTimeoutMs, { kind: 'gm.stab', view: this.host.view.id });
    this.progress();
  }
}
