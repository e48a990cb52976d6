/**
 * The last phases of a view installation (seed 003): Ready-to-Switch, then message stabilization.
 * A member ready for a committed proposal stops delivering (the Sync layer's block) and says how
 * many messages of each sender it holds; once every member of the next view is ready for the same
 * proposal, that proposal is decided, and the cut is, per sender, the most any of them holds.
 * Every one of them fetches what it lacks (the Reliable layer's NAKs, from those that claimed it)
 * and delivers up to the cut, so the members that move on together delivered the same set in this
 * view (view synchrony). A member that does not send Ready-to-Switch in time, or claims messages
 * it cannot resend (Table III, Impede Stabilization), is suspected.
 *
 * A decided proposal's Commit and Ready-to-Switch messages are its proof: members show it to those
 * that lag behind (member.ts), which then install it too, or learn that it removed them.
 */
import type { Rank, SuspectCode } from '../layer.js';
import type { AgreementHost } from './host.js';
import type { CommitMessage, ReadyMessage } from './messages.js';
import { readyStatement, type Proposal } from './signing.js';
import { bytesEqual } from '../signing.js';
import { validateReady, type MembershipContext } from './validate.js';

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

/** Proposals of one view whose Commits and Ready-to-Switch messages a member keeps at most. */
const PROPOSALS_MAX = 8;

function hex(d: Uint8Array): string {
  let out = '';
  for (const b of d) out += b.toString(16).padStart(2, '0');
  return out;
}

interface Known extends Named {
  readonly commit: CommitMessage;
  readonly readies: Map<Rank, ReadyMessage>;
}

export interface PhaseEvents {
  suspect(rank: Rank, code: SuspectCode, detail: string): void;
  /** A proposal without this member was decided. */
  removed(p: Named): void;
  /** Stabilization may have completed. */
  progress(): void;
}

export class ReadyPhase {
  /** My Ready's phase is open (neither its timer nor stabilization's expired). */
  open = false;
  private readyFor: Named | undefined;
  private readyOut: ReadyMessage | undefined;
  /** Committed proposals, by digest, with the Ready-to-Switch messages each gathered (bounded). */
  private readonly known = new Map<string, Known>();
  /** Ready-to-Switch messages for proposals whose Commit has not come yet (one per member). */
  private readonly early = new Map<Rank, ReadyMessage>();
  private stabilizing: (Known & { cut: number[] }) | undefined;
  /** Stabilization timed out: another decided proposal (one without the culprit) may replace it. */
  private stalled = false;
  /** Proposals whose stabilization stalled: a claimed message never came (bounded by `known`). */
  private readonly failed = new Set<string>();
  /** The latest proposal each member answered with Need-More-Change (one per member). */
  private readonly nmcs = new Map<Rank, Stamp>();

  constructor(
    private readonly host: AgreementHost,
    private readonly ctx: MembershipContext,
    private readonly events: PhaseEvents,
  ) {}

  /** My latest Ready-to-Switch (repeated while the installation lasts). */
  get out(): ReadyMessage | undefined {
    return this.readyOut;
  }

  isFor(digest: Uint8Array): boolean {
    return this.readyFor !== undefined && bytesEqual(this.readyFor.digest, digest);
  }

  /** A valid Commit (mine, or from its leader, or relayed): its proposal may gather readies. */
  noteCommit(c: Named, commit: CommitMessage): void {
    const key = hex(c.digest);
    if (this.known.has(key)) return;
    if (this.known.size >= PROPOSALS_MAX) this.known.delete(this.known.keys().next().value as string);
    const readies = new Map<Rank, ReadyMessage>();
    for (const [rank, m] of this.early) if (bytesEqual(m.digest, c.digest)) readies.set(rank, m);
    this.known.set(key, { ...c, commit, readies });
    this.check();
  }

  send(c: Named): void {
    const { host } = this;
    if (this.isFor(c.digest)) return;
    host.freeze();
    const counts = [...host.counts()];
    const { view, round, leader } = c.proposal;
    const sig = host.crypto.sign(readyStatement(c.digest, host.self, counts));
    const m: ReadyMessage = {
      kind: 'gm-ready',
      view,
      round,
      leader,
      digest: c.digest,
      rank: host.self,
      counts,
      sig,
    };
    this.readyFor = c;
    this.open = true;
    this.readyOut = m;
    host.broadcast(m);
    host.setTimer(host.tuning.readyTimeoutMs, { kind: 'gm.ready', view: host.view.id });
    this.record(m);
  }

  /** A valid Need-More-Change of `from` answers the proposal `stamp` (it is no Ready timeout). */
  noteNmc(from: Rank, stamp: Stamp): void {
    const prev = this.nmcs.get(from);
    if (prev === undefined || after(stamp, prev))
      this.nmcs.set(from, { leader: stamp.leader, round: stamp.round });
  }

  onReady(from: Rank, m: ReadyMessage): void {
    const v = validateReady(m, this.ctx);
    if (v.verdict === 'reject') return this.events.suspect(from, v.code, v.detail);
    if (v.verdict === 'accept') this.record(m);
  }

  /** The proposal and cut once this member holds everything up to the cut. */
  reached(): (Named & { cut: readonly number[] }) | undefined {
    const s = this.stabilizing;
    if (s === undefined) return undefined;
    const counts = this.host.counts();
    for (let i = 0; i < s.cut.length; i++) if ((counts[i] ?? 0) < (s.cut[i] as number)) return undefined;
    return s;
  }

  /** The decided proposal's proof, for members that lag behind. */
  proof(): (CommitMessage | ReadyMessage)[] {
    const s = this.stabilizing;
    return s === undefined ? [] : [s.commit, ...s.readies.values()];
  }

  /** Suspects the members whose Ready did not come; true when the phase timed out. */
  onReadyTimeout(): boolean {
    const r = this.readyFor;
    // Once a proposal I was ready for was decided, I never answer another Commit with Ready, even
    // if its stabilization stalled here: other members may have completed it and installed it.
    if (r === undefined || this.stabilizing !== undefined) return false;
    const readies = this.known.get(hex(r.digest))?.readies;
    for (const k of r.proposal.kept) {
      const nmc = this.nmcs.get(k);
      // Need-More-Change answers a Commit as well as a Ready does (for it, or a later one).
      if (readies?.has(k) === true || (nmc !== undefined && !after(r.proposal, nmc))) continue;
      this.events.suspect(k, 'READY_TIMEOUT', 'no Ready-to-Switch');
    }
    return true;
  }

  /** Whoever claimed messages I still lack is suspected (Table III, Impede Stabilization). */
  onStabilizeTimeout(): boolean {
    const s = this.stabilizing;
    if (s === undefined) return false;
    const counts = this.host.counts();
    this.stalled = true;
    this.failed.add(hex(s.digest));
    for (const [k, claim] of s.readies) {
      if (k === this.host.self) continue;
      const i = claim.counts.findIndex((c, sender) => c > (counts[sender] ?? 0));
      if (i >= 0) this.events.suspect(k, 'STABILIZE_TIMEOUT', `claims ${claim.counts[i]} messages of ${i}`);
    }
    this.check();
    return true;
  }

  private record(m: ReadyMessage): void {
    const k = this.known.get(hex(m.digest));
    if (k !== undefined) k.readies.set(m.rank, m);
    else {
      const prev = this.early.get(m.rank);
      if (prev === undefined || after(m, prev)) this.early.set(m.rank, m);
    }
    this.check();
  }

  /** A proposal every member of the next view is ready for is decided: stabilize to its cut. */
  private check(): void {
    if (this.stabilizing !== undefined && !this.stalled) return;
    // The latest decided proposal whose stabilization has not stalled already.
    let best: Known | undefined;
    for (const k of this.known.values()) {
      if (this.failed.has(hex(k.digest)) || !k.proposal.kept.every((r) => k.readies.has(r))) continue;
      if (best === undefined || after(k.proposal, best.proposal)) best = k;
    }
    if (best === undefined) return;
    if (!best.proposal.kept.includes(this.host.self)) return this.events.removed(best);
    this.stabilize(best);
  }

  private stabilize(k: Known): void {
    const { host } = this;
    const cut = new Array<number>(host.view.members.length).fill(0);
    for (const m of k.readies.values())
      for (let i = 0; i < cut.length; i++) cut[i] = Math.max(cut[i] as number, m.counts[i] ?? 0);
    host.cancelTimer({ kind: 'gm.ready', view: host.view.id });
    host.freeze();
    this.readyFor = k;
    this.stabilizing = { ...k, cut };
    this.stalled = false;
    for (const [r, m] of k.readies) host.expect(r, m.counts);
    host.setTimer(host.tuning.stabilizeTimeoutMs, { kind: 'gm.stab', view: host.view.id });
    this.events.progress();
  }
}
