/**
 * The last phases of a view installation (seed 003): Ready-to-Switch, then message stabilization.
 * A member ready for a proposal (from its acknowledgement of the New-View, or its Commit) stops
 * delivering (the Sync layer's block) and says how many messages of each sender it holds; once
 * every member of the next view is ready for a committed proposal, that proposal is decided, and
 * the cut is, per sender, the most any of them holds.
 * Every one of them fetches what it lacks (the Reliable layer's NAKs, from those that claimed it)
 * and delivers up to the cut, so the members that move on together delivered the same set in this
 * view (view synchrony). A member that does not send Ready-to-Switch in time, or claims messages
 * it cannot resend (Table III, Impede Stabilization), is suspected.
 *
 * Stabilization may stall at one member and complete at another (a partition, or a member that
 * claims messages it cannot resend), and a stalled member goes on to the next proposal. So a
 * member installs only once a quorum of the view voted for the proposal and cut (votes.ts): a
 * member votes once per view, for the first cut it reaches (or, removed by the proposal, once
 * members it keeps hold the cut), and never answers another Commit after that. A vote from a
 * member the proposal keeps shows its messages exist: a member that gave up on that proposal
 * tries it again, fetching from the voter too.
 *
 * A decided proposal's Commit and quorum of votes are its proof: members show it to those that
 * lag behind (member.ts), which then install it too, or learn that it removed them.
 */
import type { Rank, SuspectCode } from '../layer.js';
import type { AgreementHost } from './host.js';
import type { CommitMessage, MembershipMessage, ReadyMessage, StableMessage } from './messages.js';
import { stableStatement } from './signing.js';
import { validateReady, validateStable, verifyStable, type MembershipContext } from './validate.js';
import { StableVotes, maxCut, sameCut } from './votes.js';
import { after, covers, sameCommit, type Named, type Stamp } from './proposals.js';
import { bytesEqual, hex } from '../../../core/bytes.js';

/** Proposals of one view whose Commits and Ready-to-Switch messages a member keeps at most. */
const PROPOSALS_MAX = 8;

interface Known extends Named {
  readonly commit: CommitMessage;
  readonly readies: Map<Rank, ReadyMessage>;
}

/** A decided proposal and the cut to stabilize to. */
interface Target extends Known {
  readonly cut: readonly number[];
}

export interface PhaseEvents {
  suspect(rank: Rank, code: SuspectCode, detail: string): void;
  /** A proposal without this member was installed. */
  removed(p: Named): void;
  /** Stabilization may have completed. */
  progress(): void;
}

export class ReadyPhase {
  /** My Ready's phase is open (neither its timer nor stabilization's expired). */
  open = false;
  /** My Ready went out when I acknowledged its New-View: its phase opens at the Commit. */
  private awaiting = false;
  private readyFor: Named | undefined;
  private readyOut: ReadyMessage | undefined;
  /** Committed proposals, by digest, with the Ready-to-Switch messages each gathered (bounded). */
  private readonly known = new Map<string, Known>();
  /** Ready-to-Switch messages for proposals whose Commit has not come yet (one per member). */
  private readonly early = new Map<Rank, ReadyMessage>();
  private readonly votes = new StableVotes();
  /** Votes whose signature was checked (relayed ones, and mine): only those go into proofs. */
  private readonly signed = new WeakSet<StableMessage>();
  private voteOut: StableMessage | undefined;
  private stabilizing: Target | undefined;
  /** Stabilization timed out: another decided proposal (one without the culprit) may replace it. */
  private stalled = false;
  /** Proposals whose stabilization stalled, until a member votes for them (bounded by `known`). */
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

  /** My Stable vote (repeated while the installation lasts). */
  get vote(): StableMessage | undefined {
    return this.voteOut;
  }

  /** I voted: I answer no other Commit in this view. */
  get locked(): boolean {
    return this.voteOut !== undefined;
  }

  isFor(digest: Uint8Array): boolean {
    return this.readyFor !== undefined && bytesEqual(this.readyFor.digest, digest);
  }

  /** Whether this very Commit (every field, signatures included) was handled already. */
  holdsCommit(m: CommitMessage): boolean {
    for (const k of this.known.values()) if (sameCommit(k.commit, m)) return true;
    return false;
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

  /** A Commit I answer with Ready-to-Switch: my Ready's phase opens (my Ready may be out already). */
  send(c: Named): void {
    const { host } = this;
    if (this.locked || (this.isFor(c.digest) && !this.awaiting)) return;
    if (!this.isFor(c.digest)) this.announce(c);
    this.awaiting = false;
    this.open = true;
    host.setTimer(host.tuning.readyTimeoutMs, { kind: 'gm.ready', view: host.view.id });
  }

  /**
   * Ready-to-Switch already when I acknowledge a New-View that keeps me and removes every member
   * known to be corrupt: its Commit finds the Readies there, a round earlier. Not while another
   * Ready's phase is open, nor after I voted; the phase (and its timer) opens at the Commit.
   */
  atAck(c: Named, detected: ReadonlySet<Rank>): void {
    const { proposal: p, digest } = c;
    if (this.open || this.locked || this.isFor(digest) || !p.kept.includes(this.host.self)) return;
    if (!covers(p, detected, p.joiner)) return;
    this.announce(c);
    this.awaiting = true;
  }

  /** Stop delivering, say what I hold, and ask for `c`. */
  private announce(c: Named): void {
    const { host } = this;
    host.freeze();
    const counts = [...host.counts()];
    const rank = host.self;
    const { view, round, leader } = c.proposal;
    const m: ReadyMessage = { kind: 'gm-ready', view, round, leader, digest: c.digest, rank, counts };
    this.readyFor = c;
    this.readyOut = m;
    host.broadcast(m);
    this.record(m);
  }

  /** A valid Need-More-Change of `from` answers the proposal `stamp` (it is no Ready timeout). */
  noteNmc(from: Rank, stamp: Stamp): void {
    const prev = this.nmcs.get(from);
    if (prev === undefined || after(stamp, prev))
      this.nmcs.set(from, { leader: stamp.leader, round: stamp.round });
  }

  onReady(from: Rank, m: ReadyMessage): void {
    const v = validateReady(from, m, this.ctx);
    if (v.verdict === 'reject') return this.events.suspect(from, v.code, v.detail);
    if (v.verdict === 'accept') this.record(m);
  }

  onStable(from: Rank, m: StableMessage): void {
    // Votes come again in repeats and in proofs shown to laggards: one held byte for byte is not checked again.
    if (this.votes.holds(m)) return;
    const v = validateStable(from, m, this.ctx);
    if (v.verdict === 'reject') return this.events.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept') return;
    if (from !== m.rank) this.signed.add(m);
    const added = this.votes.add(m);
    if (added === 'conflict') return this.events.suspect(m.rank, 'BAD_MEMBERSHIP', 'two stable votes');
    if (added === 'same') return;
    // A voter the proposal keeps holds its messages up to the cut I would stabilize to: worth
    // another try, and a source.
    const k = this.known.get(hex(m.digest));
    if (k !== undefined && k.proposal.kept.includes(m.rank)) {
      if (sameCut(maxCut(k.readies.values(), m.cut.length), m.cut)) this.failed.delete(hex(m.digest));
      const s = this.stabilizing;
      if (s !== undefined && bytesEqual(s.digest, m.digest) && sameCut(s.cut, m.cut))
        this.host.expect(m.rank, m.cut);
    }
    this.check();
    this.events.progress();
  }

  /**
   * Once I hold everything up to the cut I stabilize to, I vote for it (once per view). The
   * proposal and cut when, besides, a quorum of its members voted for them: install it.
   */
  settle(): Target | undefined {
    const s = this.stabilizing;
    if (s === undefined) return undefined;
    const counts = this.host.counts();
    for (let i = 0; i < s.cut.length; i++) if ((counts[i] ?? 0) < (s.cut[i] as number)) return undefined;
    if (this.voteOut === undefined) this.castVote(s);
    return this.installed(s) ? s : undefined;
  }

  /** The installed proposal's proof, for members that lag behind. */
  proof(): MembershipMessage[] {
    const s = this.stabilizing;
    if (s === undefined || !this.installed(s)) return [];
    // A vote taken from its signer's channel is checked before it is relayed (a bad one is left out).
    const relayable = (m: StableMessage): boolean => {
      if (!this.signed.has(m) && verifyStable(m, this.ctx)) this.signed.add(m);
      return this.signed.has(m);
    };
    return [s.commit, ...this.votersOf(s).filter(relayable)];
  }

  /** Suspects the members whose Ready did not come; true when the phase timed out. */
  onReadyTimeout(): boolean {
    const r = this.readyFor;
    // Stabilization under way has a timer of its own (one that stalled no longer holds me).
    if (r === undefined || (this.stabilizing !== undefined && !this.stalled)) return false;
    const readies = this.known.get(hex(r.digest))?.readies;
    for (const k of r.proposal.kept) {
      const nmc = this.nmcs.get(k);
      // Need-More-Change answers a Commit as well as a Ready does (for it, or a later one).
      if (readies?.has(k) === true || (nmc !== undefined && !after(r.proposal, nmc))) continue;
      this.events.suspect(k, 'READY_TIMEOUT', 'no Ready-to-Switch');
    }
    return true;
  }

  /**
   * Whoever claimed messages I still lack is suspected (Table III, Impede Stabilization); true
   * when I give the proposal up (not once I voted, nor once a quorum did: then I wait, or fetch).
   */
  onStabilizeTimeout(): boolean {
    const s = this.stabilizing;
    if (s === undefined) return false;
    const counts = this.host.counts();
    const claims = [...s.readies.values(), ...this.keptVoters(s, this.votersOf(s))].map((m) => ({
      rank: m.rank,
      held: m.kind === 'gm-ready' ? m.counts : m.cut,
    }));
    for (const { rank, held } of claims) {
      if (rank === this.host.self) continue;
      const i = held.findIndex((c, sender) => c > (counts[sender] ?? 0) && c <= (s.cut[sender] as number));
      if (i >= 0) this.events.suspect(rank, 'STABILIZE_TIMEOUT', `claims ${held[i]} messages of ${i}`);
    }
    if (this.locked || this.installed(s)) {
      this.host.setTimer(this.host.tuning.stabilizeTimeoutMs, { kind: 'gm.stab', view: this.host.view.id });
      return false;
    }
    this.stalled = true;
    this.failed.add(hex(s.digest));
    this.check();
    return true;
  }

  private installed(t: Named & { readonly cut: readonly number[] }): boolean {
    return this.votersOf(t).length >= this.needed;
  }

  /**
   * Votes that install a proposal: a quorum of the view, always, from any of its members (those
   * the proposal removes vote too, so that a view can shrink by more than n - quorum). Two quorums
   * share a correct member, which votes once: no two views of one number, however many members
   * a partition got removed on false suspicions.
   */
  private get needed(): number {
    return this.host.view.quorum;
  }

  private votersOf(t: Named & { readonly cut: readonly number[] }): StableMessage[] {
    return this.votes.cuts(t.digest).find((v) => sameCut(v.cut, t.cut))?.voters ?? [];
  }

  private castVote(s: Target): void {
    const { host } = this;
    const { id } = host.view;
    const cut = [...s.cut];
    const sig = host.crypto.sign(stableStatement(id, s.digest, host.self, cut));
    const m: StableMessage = { kind: 'gm-stable', view: id, digest: s.digest, rank: host.self, cut, sig };
    this.voteOut = m;
    this.signed.add(m);
    this.votes.add(m);
    host.cancelTimer({ kind: 'gm.stab', view: id });
    host.broadcast(m);
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

  /**
   * What to stabilize to (check() keeps the one under way unless this is backed better): an
   * installed proposal (a quorum voted for it), else the one I voted for, else the best
   * candidate: one that f+1 of the members it keeps voted for (a correct one among them computed
   * the cut from every Ready, so I need not hold every Ready myself: a member that moved on
   * repeats only its latest Ready), then a decided one such a member voted for as I would, then
   * the latest decided one I have not given up on. My own cut is, per sender, the most a Ready
   * claims: a claim is suspected once it stalls, never outvoted by fewer than f+1.
   */
  private choose(): Target | undefined {
    let best: Target | undefined;
    let bestRank = -1;
    for (const k of this.known.values()) {
      const top = this.votes.cuts(k.digest)[0];
      if (top !== undefined && top.voters.length >= this.needed) return { ...k, cut: top.cut };
      const mine = this.voteOut;
      if (mine !== undefined) {
        if (bytesEqual(mine.digest, k.digest)) best = { ...k, cut: mine.cut };
        continue;
      }
      const t = this.candidate(k);
      if (t === undefined) continue;
      const rank = this.rankOf(t);
      if (best !== undefined && (rank < bestRank || (rank === bestRank && !after(k.proposal, best.proposal))))
        continue;
      best = t;
      bestRank = rank;
    }
    return best;
  }

  /**
   * The cut I would stabilize a proposal that keeps me to, if any; for one that removes me, the
   * cut I vote for once members it keeps hold it (f+1 of them, a correct one among them, or all
   * of them if it keeps fewer): my vote may complete its quorum.
   */
  private candidate(k: Known): Target | undefined {
    const { f, members } = this.host.view;
    const enough = Math.min(f + 1, k.proposal.kept.length);
    const backed = this.votes.cuts(k.digest).find((v) => this.keptVoters(k, v.voters).length >= enough);
    if (backed !== undefined) return { ...k, cut: backed.cut };
    if (!k.proposal.kept.includes(this.host.self)) return undefined;
    if (this.failed.has(hex(k.digest)) || !k.proposal.kept.every((r) => k.readies.has(r))) return undefined;
    return { ...k, cut: maxCut(k.readies.values(), members.length) };
  }

  /** Votes of members the proposal keeps: they hold the cut they voted for. */
  private keptVoters(k: Named, voters: readonly StableMessage[]): StableMessage[] {
    return voters.filter((v) => k.proposal.kept.includes(v.rank));
  }

  /** How strongly votes of the members it keeps back a target: f+1 of them, some, none. */
  private rankOf(t: Target): number {
    const voters = this.keptVoters(t, this.votersOf(t)).length;
    return voters > this.host.view.f ? 2 : voters > 0 ? 1 : 0;
  }

  /** A proposal every member of the next view is ready for is decided: stabilize to its cut. */
  private check(): void {
    const t = this.choose();
    if (t === undefined) return;
    if (!t.proposal.kept.includes(this.host.self)) {
      // A proposal that removes me: I hold nothing to stabilize, but my vote counts like any.
      if (this.voteOut === undefined) this.castVote(t);
      if (this.installed(t)) this.events.removed(t);
      return;
    }
    const s = this.stabilizing;
    if (s !== undefined && bytesEqual(s.digest, t.digest) && sameCut(s.cut, t.cut) && !this.stalled) return;
    if (
      s !== undefined &&
      !this.stalled &&
      !this.installed(t) &&
      this.voteOut === undefined &&
      !this.better(t, s)
    )
      return;
    this.stabilize(t);
  }

  /** Whether `t` should replace `s` under way: votes back it more. */
  private better(t: Target, s: Target): boolean {
    return this.rankOf(t) > this.rankOf(s);
  }

  private stabilize(t: Target): void {
    const { host } = this;
    host.cancelTimer({ kind: 'gm.ready', view: host.view.id });
    host.freeze();
    this.readyFor = t;
    this.awaiting = false;
    this.stabilizing = t;
    this.stalled = false;
    for (const [r, m] of t.readies) host.expect(r, m.counts);
    for (const v of this.keptVoters(t, this.votersOf(t))) host.expect(v.rank, v.cut);
    host.setTimer(host.tuning.stabilizeTimeoutMs, { kind: 'gm.stab', view: host.view.id });
    this.events.progress();
  }
}
