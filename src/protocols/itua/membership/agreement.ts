/**
 * One view's membership agreement: the Group layer of seed 003 ("Group Membership Protocol";
 * "Implementation: Group Membership"). Signed Suspects; with f+1 of them for a member, the leader
 * (the lowest-ranked member whose removal nobody can justify) multicasts a New-View with the
 * justification; members acknowledge it (and say Ready-to-Switch, with what they hold of each
 * sender); the leader commits it with 2f+1 acknowledgements; members answer a Commit with
 * Ready-to-Switch or, when it keeps a member f+1 suspect, with Need-More-Change and its
 * justification; once every member of the next view is ready, the cut (per sender, the most any
 * of them holds) is delivered by all of them (message stabilization, for view synchrony), and the
 * view is decided. Each phase has a timer whose expiry suspects the member that failed to act,
 * which makes the deputy (and its deputy) lead. The host (member.ts) installs the next view.
 */
import type { NodeId } from '../../../core/ids.js';
import type { Rank, SuspectCode } from '../layer.js';
import type {
  CommitMessage,
  MembershipMessage,
  NewViewMessage,
  NmcMessage,
  SuspectMessage,
} from './messages.js';
import { ackStatement, type Proposal } from './signing.js';
import { ackMessage, commitMessage, newViewMessage, nmcMessage, suspectMessage } from './build.js';
import { after, coveredBy, covers, leaderOf, type Named, type Stamp } from './proposals.js';
import { armResend, resend } from './resend.js';
import { ReadyPhase } from './ready.js';
import { Heartbeats } from './heartbeats.js';
import type { AgreementHost } from './host.js';
import { SuspicionBook } from './suspicions.js';
import type { MembershipTimer } from './timers.js';
import {
  validateAck,
  validateCommit,
  validateNewView,
  validateNmc,
  validateSuspect,
  isSuspectEntryValid,
  membershipContext,
  type MembershipContext,
} from './validate.js';
import { bytesEqual } from '../../../core/bytes.js';

export type { AgreementHost, Decision } from './host.js';

/**
 * Each leader given up on gets twice the time of the one before, up to BACKOFF_MAX times, as
 * PBFT's view-change timers do: while the network is bad, leaders are not suspected faster than
 * they can act.
 */
const BACKOFF_MAX = 8;

/** What a member the latest Commit removed still takes: how the view ends. */
const FOLLOWED = new Set<MembershipMessage['kind']>(['gm-new-view', 'gm-commit', 'gm-ready', 'gm-stable']);

export class ViewAgreement {
  private readonly book: SuspicionBook;
  private readonly ctx: MembershipContext;
  private readonly ownSuspects: SuspectMessage[] = [];
  private round = 0;
  /** The proposal I lead, its acknowledgements and, once made, its Commit. */
  private mine: (Named & { nv: NewViewMessage; acks: Map<Rank, Uint8Array>; committed: boolean }) | undefined;
  private lastAcked: Stamp = { leader: -1, round: 0 };
  private acked: (Named & { to: Rank; sig: Uint8Array }) | undefined;
  private proposalsAcked = 0;
  private committed: Named | undefined;
  /** The Commit I made or accepted last (repeated, and shown to members that lag behind). */
  private commitMsg: CommitMessage | undefined;
  private deferred: Named | undefined; // a Commit that came while my Ready's phase was open
  private nmcOut: NmcMessage | undefined;
  private readonly phase: ReadyPhase;
  private finished = false;
  /** The latest Commit removes me: I neither answer, lead nor suspect, but follow how the view ends. */
  private retired = false;
  private removed = false; // an installed proposal removed me (said once to the host)
  private startedAtMs: number | undefined;
  private firstLeader: Rank | undefined; // the leader at the start (a deputy's view is transitional)
  private readonly beats: Heartbeats;
  private nvArmed = false;
  private backoff = 1;
  private resendArmed = false;

  constructor(private readonly host: AgreementHost) {
    const { view } = host;
    this.ctx = membershipContext(view, host.crypto, (e) => this.book.holds(e));
    const bare = membershipContext(view, host.crypto); // checks signatures, whatever the book holds
    this.book = new SuspicionBook(view.members.length, view.f, (e) => isSuspectEntryValid(bare, view.id, e));
    this.phase = new ReadyPhase(host, this.ctx, {
      suspect: (r, code, detail) => this.suspect(r, code, detail),
      removed: (k) => this.removedBy(k.proposal),
      progress: () => this.progress(),
    });
    this.beats = new Heartbeats(host, (r, detail) => this.suspect(r, 'HEARTBEAT_TIMEOUT', detail));
  }

  start(): void {
    this.beats.start();
  }

  /** Any message from `rank` shows it alive. */
  heardFrom(rank: Rank): void {
    this.beats.heardFrom(rank);
  }

  onMessage(from: Rank, m: MembershipMessage): void {
    if (this.finished || (this.retired && !FOLLOWED.has(m.kind))) return;
    this.heardFrom(from);
    switch (m.kind) {
      case 'gm-suspect':
        return this.onSuspect(from, m);
      case 'gm-heartbeat':
        return this.beats.onBeat(from, m) ? undefined : this.suspect(from, 'BAD_MEMBERSHIP', 'heartbeat');
      case 'gm-new-view':
        return this.onNewView(from, m);
      case 'gm-ack':
        return this.onAck(from, m);
      case 'gm-commit':
        return this.onCommit(from, m);
      case 'gm-ready':
        return this.phase.onReady(from, m);
      case 'gm-stable':
        return this.phase.onStable(from, m);
      case 'gm-nmc':
        return this.onNmc(from, m);
    }
  }

  /** The paper's suspect(rank, reason): multicast a signed Suspect (by == target: I leave). */
  suspect(target: Rank, code: SuspectCode, detail: string): void {
    const { host } = this;
    if (this.finished || this.retired || target >= host.view.members.length) return;
    if ((target === host.self) !== (code === 'LEFT') || this.book.has(host.self, target)) return;
    const m = suspectMessage(host, target, code);
    this.book.add(m);
    this.ownSuspects.push(m);
    host.broadcast(m);
    if (target !== host.self) host.reportSuspect(target, code, detail);
    this.step();
  }

  /** Something outside changed (a join request came): re-evaluate. */
  poke(): void {
    this.step();
  }

  /** Called after the stack handled a message: stabilization may have completed. */
  progress(): void {
    if (this.finished) return;
    const s = this.phase.settle();
    if (s === undefined) return;
    this.finished = true;
    this.host.decide({
      proposal: s.proposal,
      cut: s.cut,
      transitional: this.proposalsAcked > 1 || s.proposal.leader !== this.firstLeader,
      startedAtMs: this.startedAtMs ?? this.host.now(),
    });
  }

  onTimer(t: MembershipTimer): void {
    if (this.finished || t.kind === 'gm.join' || t.view !== this.host.view.id) return;
    // A retired member repeats its latest messages; until it is removed, it also lets its Ready's
    // phase time out, so that it can learn another decided proposal than the one it was ready for.
    if (this.retired) {
      if (t.kind === 'gm.resend') return this.onResend();
      if (this.removed || (t.kind !== 'gm.ready' && t.kind !== 'gm.stab')) return;
    }
    switch (t.kind) {
      case 'gm.beat':
        return this.beats.onTick(this.phase.out === undefined);
      case 'gm.nv':
        return this.onNewViewTimeout();
      case 'gm.commit':
        return this.onCommitTimeout();
      case 'gm.ready':
        return this.phase.onReadyTimeout() ? this.closeReady() : undefined;
      case 'gm.stab':
        return this.phase.onStabilizeTimeout() ? this.closeReady() : undefined;
      case 'gm.resend':
        return this.onResend();
    }
  }

  /** Re-evaluate after anything changed: lead, or expect the leader to. */
  private step(): void {
    if (this.finished || this.retired) return;
    // My own Suspects are repeated too: one lost would leave the others short of f+1.
    if (!this.resendArmed && this.ownSuspects.length > 0) this.armResend();
    const detected = this.book.detected();
    const joiner = detected.size === 0 ? this.host.joiner() : undefined;
    if (detected.size === 0 && joiner === undefined) return;
    this.startedAtMs ??= this.host.now();
    this.firstLeader ??= leaderOf(detected);
    if (!this.resendArmed) this.armResend();
    if (leaderOf(detected) === this.host.self) this.propose(detected, joiner);
    else if (!coveredBy([this.acked, this.committed], detected, joiner) && !this.nvArmed) {
      this.nvArmed = true;
      const afterMs = this.host.tuning.newViewTimeoutMs * this.backoff;
      this.host.setTimer(afterMs, { kind: 'gm.nv', view: this.host.view.id });
    }
  }

  private armResend(): void {
    this.resendArmed = true;
    armResend(this.host);
  }

  private propose(detected: ReadonlySet<Rank>, joiner: NodeId | undefined): void {
    const { host } = this;
    if (this.mine !== undefined && covers(this.mine.proposal, detected, joiner)) return;
    this.round = Math.max(this.round, this.lastAcked.leader === host.self ? this.lastAcked.round : 0) + 1;
    const kept = host.view.members.map((_, r) => r).filter((r) => !detected.has(r));
    const proposal: Proposal = { view: host.view.id, round: this.round, leader: host.self, kept, joiner };
    const { nv, digest, own } = newViewMessage(host, proposal, this.book.justification(detected));
    this.mine = { proposal, digest, nv, acks: new Map([[host.self, own]]), committed: false };
    this.noteAcked({ proposal, digest, to: host.self, sig: own });
    host.broadcast(nv);
    this.phase.atAck(this.mine, detected);
    this.maybeCommit();
  }

  private noteAcked(a: Named & { to: Rank; sig: Uint8Array }): void {
    this.acked = a;
    this.lastAcked = { leader: a.proposal.leader, round: a.proposal.round };
    this.proposalsAcked++;
    this.nvArmed = false;
    this.host.cancelTimer({ kind: 'gm.nv', view: this.host.view.id });
  }

  private onSuspect(from: Rank, m: SuspectMessage): void {
    const v = validateSuspect(from, m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict === 'accept' && this.book.add(m, false)) this.step();
  }

  private onNewView(from: Rank, m: NewViewMessage): void {
    const { host } = this;
    const v = validateNewView(from, m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict === 'ignore') return;
    for (const e of v.value.entries) this.book.add(e);
    const { proposal, digest } = v.value;
    const admissible = proposal.joiner === undefined || host.canAdmit(proposal.joiner);
    // A valid New-View is acknowledged even by a member it removes (seed 003 makes no exception):
    // when a correct member was suspected while the network was bad, its acknowledgement may be
    // what the 2f+1 need.
    if (after(proposal, this.lastAcked) && admissible) {
      const sig = host.crypto.sign(ackStatement(digest, host.self));
      this.noteAcked({ proposal, digest, to: from, sig });
      host.send(from, ackMessage(proposal, digest, sig));
      host.setTimer(host.tuning.commitTimeoutMs * this.backoff, { kind: 'gm.commit', view: host.view.id });
      if (!this.finished && !this.retired) this.phase.atAck(v.value, this.book.detected());
    }
    this.step();
  }

  private onAck(from: Rank, m: Extract<MembershipMessage, { kind: 'gm-ack' }>): void {
    const mine = this.mine;
    if (mine === undefined || mine.committed) return;
    const v = validateAck(from, m, this.ctx, mine.digest);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept') return;
    mine.acks.set(from, m.sig);
    this.maybeCommit();
  }

  private maybeCommit(): void {
    const { host } = this;
    const mine = this.mine;
    if (mine === undefined || mine.committed || mine.acks.size < host.view.quorum) return;
    mine.committed = true;
    const commit = commitMessage(host, mine.proposal, mine.acks);
    host.broadcast(commit);
    this.phase.noteCommit(mine, commit);
    this.onCommitted(mine, commit);
  }

  private onCommit(from: Rank, m: CommitMessage): void {
    if (this.phase.holdsCommit(m)) return; // a repeat, or a proof's copy: handled already
    const v = validateCommit(m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept') return;
    // Even an older Commit may be the one that was decided (its Ready-to-Switch messages say so).
    this.phase.noteCommit(v.value, m);
    if (this.finished || this.removed || after(this.lastAcked, v.value.proposal)) return;
    if (this.committed !== undefined && bytesEqual(this.committed.digest, v.value.digest)) return;
    this.onCommitted(v.value, m);
  }

  /** A valid Commit: Ready-to-Switch if it removes every member known to be corrupt, else Need-More-Change. */
  private onCommitted(c: Named, m: CommitMessage): void {
    this.committed = c;
    this.commitMsg = m;
    if (after(c.proposal, this.lastAcked))
      this.lastAcked = { leader: c.proposal.leader, round: c.proposal.round };
    const { host } = this;
    host.cancelTimer({ kind: 'gm.commit', view: host.view.id });
    if (!c.proposal.kept.includes(host.self)) {
      // This Commit is not a decision yet: I follow how the view ends, vote once a proposal is
      // decided (even one without me), and learn from ReadyPhase if one without me is installed.
      this.retired = true;
      return;
    }
    this.retired = false;
    // While my Ready for an earlier proposal may still complete somewhere, a Ready for another
    // could let two views be installed: answer the new Commit once that phase timed out.
    if (this.phase.open && !this.phase.isFor(c.digest)) {
      this.deferred = c;
      return;
    }
    this.answerCommit(c);
  }

  /** Ready-to-Switch if the Commit removes every member known to be corrupt, else Need-More-Change. */
  private answerCommit(c: Named): void {
    const { host } = this;
    if (this.phase.locked) return;
    const detected = this.book.detected();
    if (covers(c.proposal, detected, c.proposal.joiner)) return this.phase.send(c);
    const missing = [...detected].filter((d) => c.proposal.kept.includes(d));
    this.nmcOut = nmcMessage(host, c.proposal, this.book.justification(missing));
    host.broadcast(this.nmcOut);
    this.step();
  }

  private onNmc(from: Rank, m: NmcMessage): void {
    const v = validateNmc(from, m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept') return;
    this.phase.noteNmc(from, { leader: m.leader, round: m.round });
    let grew = false;
    for (const e of v.value) grew = this.book.add(e) || grew;
    if (grew) this.step();
  }

  /** The leader did not propose in time: suspect it, so that its deputy leads. */
  private onNewViewTimeout(): void {
    this.nvArmed = false;
    const detected = this.book.detected();
    const joiner = detected.size === 0 ? this.host.joiner() : undefined;
    if (
      (detected.size > 0 || joiner !== undefined) &&
      !coveredBy([this.acked, this.committed], detected, joiner)
    ) {
      const leader = leaderOf(detected);
      if (leader !== this.host.self) this.giveUp(leader, 'NEW_VIEW_TIMEOUT', 'no New-View in time');
    }
    this.step();
  }

  private onCommitTimeout(): void {
    const a = this.acked;
    if (a === undefined || (this.committed !== undefined && !after(a.proposal, this.committed.proposal)))
      return;
    if (a.to !== this.host.self)
      this.giveUp(a.to, 'COMMIT_TIMEOUT', `no Commit of round ${a.proposal.round}`);
    this.step();
  }

  /** A leader did not act in time: suspect it, and give the next one longer. */
  private giveUp(leader: Rank, code: SuspectCode, detail: string): void {
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX);
    this.suspect(leader, code, detail);
  }

  /** My Ready's phase timed out: a Commit that came meanwhile may now be answered. */
  private closeReady(): void {
    this.phase.open = false;
    const d = this.deferred;
    this.deferred = undefined;
    if (d !== undefined && !this.finished && !this.retired) this.answerCommit(d);
  }

  /** Repeat my latest messages, so that loss cannot stall the installation. */
  private onResend(): void {
    const { out, vote } = this.phase;
    // Retired, I repeat my Ready for a proposal that kept me (members that moved on answer it with
    // how the view ended) and my vote; removed (I lead no more), my vote ever more slowly.
    if (this.removed) this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX);
    const latest = this.retired
      ? [this.removed ? undefined : out, vote]
      : [...this.ownSuspects, this.mine?.nv, this.commitMsg, this.nmcOut, out, vote];
    resend(this.host, { acked: this.acked, broadcast: latest }, this.removed ? this.backoff : 1);
  }

  /**
   * An installed proposal removed me (or I left): I say no more, but I still acknowledge later
   * New-Views of this view, whose 2f+1 may need me when a second fault strikes meanwhile.
   */
  private removedBy(p: Proposal): void {
    if (this.removed || this.finished) return;
    this.removed = true;
    this.retired = true;
    this.host.excluded(`removed from view ${this.host.view.id} by the Commit of rank ${p.leader}`);
  }

  /** How this view ended here, for members that lag behind (member.ts shows it to them). */
  closing(): MembershipMessage[] {
    return this.phase.proof();
  }
}
