/**
 * One view's membership agreement: the Group layer of seed 003 ("Group Membership Protocol";
 * "Implementation: Group Membership"). Signed Suspects; with f+1 of them for a member, the leader
 * (the lowest-ranked member whose removal nobody can justify) multicasts a New-View with the
 * justification; members acknowledge it; the leader commits it with 2f+1 acknowledgements;
 * members answer a Commit with Ready-to-Switch (with what they hold of each sender) or, when it
 * keeps a member f+1 suspect, with Need-More-Change and its justification; once every member of
 * the next view is ready, the cut (per sender, the most any of them holds) is delivered by all of
 * them (message stabilization, for view synchrony), and the view is decided. Each phase has a
 * timer whose expiry suspects the member that failed to act, which in turn makes the deputy (and
 * the deputy's deputy) lead. The host (member.ts) owns the stack and installs the next view.
 */
import type { CryptoSuite } from '../../../core/crypto-suite.js';
import type { NodeId } from '../../../core/ids.js';
import { SUSPECT_CODES, type Rank, type SuspectCode, type ViewInfo } from '../layer.js';
import type {
  CommitMessage,
  MembershipMessage,
  NewViewMessage,
  NmcMessage,
  ReadyMessage,
  SuspectMessage,
} from './messages.js';
import {
  ackStatement,
  beatStatement,
  nmcStatement,
  readyStatement,
  signCommit,
  signProposal,
  proposalDigest,
  suspectStatement,
  type Proposal,
} from './signing.js';
import { SuspicionBook } from './suspicions.js';
import type { MembershipTimer, MembershipTuning } from './timers.js';
import {
  bytesEqual,
  validateAck,
  validateCommit,
  validateNewView,
  validateNmc,
  validateReady,
  validateSuspect,
  type MembershipContext,
} from './validate.js';

/** What the agreement decided: the next view's proposal and the cut delivered in this one. */
export interface Decision {
  readonly proposal: Proposal;
  readonly cut: readonly number[];
  /**
   * An earlier New-View of this view did not install, or its leader had to be replaced (the
   * paper's transitional view).
   */
  readonly transitional: boolean;
  /** When this member first saw a removal justified (f+1 Suspects), or the join requested. */
  readonly startedAtMs: number;
}

export interface AgreementHost {
  readonly view: ViewInfo;
  readonly self: Rank;
  readonly crypto: CryptoSuite;
  readonly tuning: MembershipTuning;
  send(to: Rank, m: MembershipMessage): void;
  broadcast(m: MembershipMessage): void;
  setTimer(afterMs: number, t: MembershipTimer): void;
  cancelTimer(t: MembershipTimer): void;
  now(): number;
  /** This member suspects `rank` on its own (the observation towards operators and checkers). */
  reportSuspect(rank: Rank, code: SuspectCode, detail: string): void;
  /** Messages of each sender the Reliable layer holds here. */
  counts(): readonly number[];
  /** Stop delivering in this view (the Sync layer's block). */
  freeze(): void;
  /** `rank` says it holds `counts`: fetch what I lack. */
  expect(rank: Rank, counts: readonly number[]): void;
  decide(d: Decision): void;
  excluded(reason: string): void;
  /** A node that asked to join and may (authorized, never excluded). */
  joiner(): NodeId | undefined;
  canAdmit(node: NodeId): boolean;
}

interface Stamp {
  readonly leader: Rank;
  readonly round: number;
}

const after = (a: Stamp, b: Stamp): boolean => a.leader > b.leader || (a.leader === b.leader && a.round > b.round);

interface Named {
  readonly proposal: Proposal;
  readonly digest: Uint8Array;
}

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
  private readyFor: Named | undefined;
  private readyOut: ReadyMessage | undefined;
  /** My Ready's phase is open (neither its timer nor stabilization's expired). */
  private readyOpen = false;
  /** A Commit that came while my Ready's phase was open. */
  private deferred: Named | undefined;
  private nmcOut: NmcMessage | undefined;
  private readonly readies = new Map<Rank, ReadyMessage>();
  private stabilizing: (Named & { cut: number[] }) | undefined;
  private finished = false;
  /** Removed by a Commit: only acknowledges New-Views from now on. */
  private retired = false;
  private startedAtMs: number | undefined;
  /** Who was to lead when the installation started (a deputy that took over makes it transitional). */
  private firstLeader: Rank | undefined;
  private readonly heard: number[];
  private readonly silent: boolean[];
  private beat = 0;
  private nvArmed = false;
  private resendArmed = false;

  constructor(private readonly host: AgreementHost) {
    const { view } = host;
    this.book = new SuspicionBook(view.members.length, view.f);
    this.ctx = { view, crypto: host.crypto, nodeOf: (r) => view.members[r] };
    this.heard = new Array<number>(view.members.length).fill(0);
    this.silent = new Array<boolean>(view.members.length).fill(false);
  }

  start(): void {
    this.heard.fill(this.host.now());
    this.host.setTimer(this.host.tuning.heartbeatMs, { kind: 'gm.beat', view: this.host.view.id });
  }

  get done(): boolean {
    return this.finished;
  }

  /** Any message from `rank` shows it alive. */
  heardFrom(rank: Rank): void {
    if (rank < this.heard.length) {
      this.heard[rank] = this.host.now();
      this.silent[rank] = false;
    }
  }

  onMessage(from: Rank, m: MembershipMessage): void {
    if (this.finished || (this.retired && m.kind !== 'gm-new-view')) return;
    this.heardFrom(from);
    switch (m.kind) {
      case 'gm-suspect':
        return this.onSuspect(from, m);
      case 'gm-heartbeat': {
        const ok = this.host.crypto.verify(this.ctx.nodeOf(from) as NodeId, beatStatement(m.view, from, m.beat), m.sig);
        return ok ? undefined : this.suspect(from, 'BAD_MEMBERSHIP', 'heartbeat signature');
      }
      case 'gm-new-view':
        return this.onNewView(from, m);
      case 'gm-ack':
        return this.onAck(from, m);
      case 'gm-commit':
        return this.onCommit(from, m);
      case 'gm-ready':
        return this.onReady(from, m);
      case 'gm-nmc':
        return this.onNmc(from, m);
      default:
        return;
    }
  }

  /** The paper's suspect(rank, reason): multicast a signed Suspect (by == target: I leave). */
  suspect(target: Rank, code: SuspectCode, detail: string): void {
    const { host } = this;
    if (this.finished || this.retired || target >= host.view.members.length) return;
    if ((target === host.self) !== (code === 'LEFT') || this.book.has(host.self, target)) return;
    const sig = host.crypto.sign(suspectStatement(host.view.id, host.self, target));
    const m: SuspectMessage = {
      kind: 'gm-suspect',
      view: host.view.id,
      by: host.self,
      target,
      code: SUSPECT_CODES.indexOf(code),
      sig,
    };
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
    const s = this.stabilizing;
    if (s === undefined || this.finished) return;
    const counts = this.host.counts();
    for (let i = 0; i < s.cut.length; i++) if ((counts[i] ?? 0) < (s.cut[i] as number)) return;
    this.finished = true;
    this.host.decide({
      proposal: s.proposal,
      cut: s.cut,
      transitional: this.proposalsAcked > 1 || s.proposal.leader !== this.firstLeader,
      startedAtMs: this.startedAtMs ?? this.host.now(),
    });
  }

  onTimer(t: MembershipTimer): void {
    if (this.finished || this.retired || t.kind === 'gm.join' || t.view !== this.host.view.id) return;
    switch (t.kind) {
      case 'gm.beat':
        return this.onBeat();
      case 'gm.nv':
        return this.onNewViewTimeout();
      case 'gm.commit':
        return this.onCommitTimeout();
      case 'gm.ready':
        return this.onReadyTimeout();
      case 'gm.stab':
        return this.onStabilizeTimeout();
      case 'gm.resend':
        return this.onResend();
    }
  }

  /** Re-evaluate after anything changed: lead, or expect the leader to. */
  private step(): void {
    if (this.finished || this.retired) return;
    const detected = this.book.detected();
    const joiner = detected.size === 0 ? this.host.joiner() : undefined;
    if (detected.size === 0 && joiner === undefined) return;
    this.startedAtMs ??= this.host.now();
    this.firstLeader ??= this.leader(detected);
    if (!this.resendArmed) {
      this.resendArmed = true;
      this.host.setTimer(this.host.tuning.resendMs, { kind: 'gm.resend', view: this.host.view.id });
    }
    if (this.leader(detected) === this.host.self) this.propose(detected, joiner);
    else if (!this.covered(detected, joiner) && !this.nvArmed) {
      this.nvArmed = true;
      this.host.setTimer(this.host.tuning.newViewTimeoutMs, { kind: 'gm.nv', view: this.host.view.id });
    }
  }

  /** The lowest-ranked member whose removal is not justified: the leader, its deputy, … */
  private leader(detected: ReadonlySet<Rank>): Rank {
    let r = 0;
    while (detected.has(r)) r++;
    return r;
  }

  private covers(p: Proposal, detected: ReadonlySet<Rank>, joiner: NodeId | undefined): boolean {
    for (const d of detected) if (p.kept.includes(d)) return false;
    return joiner === undefined || p.joiner === joiner;
  }

  /** I acknowledged a proposal that removes every member I know must go. */
  private covered(detected: ReadonlySet<Rank>, joiner: NodeId | undefined): boolean {
    return this.acked !== undefined && this.covers(this.acked.proposal, detected, joiner);
  }

  private propose(detected: ReadonlySet<Rank>, joiner: NodeId | undefined): void {
    const { host } = this;
    if (this.mine !== undefined && this.covers(this.mine.proposal, detected, joiner)) return;
    const n = host.view.members.length;
    this.round = Math.max(this.round, this.lastAcked.leader === host.self ? this.lastAcked.round : 0) + 1;
    const kept = Array.from({ length: n }, (_, r) => r).filter((r) => !detected.has(r));
    const proposal: Proposal = { view: host.view.id, round: this.round, leader: host.self, kept, joiner };
    const digest = proposalDigest(host.crypto, proposal);
    const nv: NewViewMessage = {
      kind: 'gm-new-view',
      ...proposal,
      kept,
      justification: this.book.justification(detected),
      sig: signProposal(host.crypto, proposal),
    };
    const own = host.crypto.sign(ackStatement(digest, host.self));
    this.mine = { proposal, digest, nv, acks: new Map([[host.self, own]]), committed: false };
    this.noteAcked({ proposal, digest, to: host.self, sig: own });
    host.broadcast(nv);
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
    if (v.verdict === 'accept' && this.book.add(m)) this.step();
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
      host.send(from, { kind: 'gm-ack', view: m.view, round: m.round, leader: m.leader, digest, sig });
      host.setTimer(host.tuning.commitTimeoutMs, { kind: 'gm.commit', view: host.view.id });
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
    const acks = [...mine.acks].sort((a, b) => a[0] - b[0]).map(([rank, sig]) => ({ rank, sig }));
    const { proposal } = mine;
    const commit: CommitMessage = {
      kind: 'gm-commit',
      ...proposal,
      kept: [...proposal.kept],
      acks,
      sig: signCommit(host.crypto, proposal),
    };
    host.broadcast(commit);
    this.onCommitted(mine, commit);
  }

  private onCommit(from: Rank, m: CommitMessage): void {
    const v = validateCommit(m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept' || after(this.lastAcked, v.value.proposal)) return;
    if (this.committed !== undefined && bytesEqual(this.committed.digest, v.value.digest)) return;
    this.onCommitted(v.value, m);
  }

  /** A valid Commit: Ready-to-Switch if it removes every member known to be corrupt, else Need-More-Change. */
  private onCommitted(c: Named, m: CommitMessage): void {
    const { host } = this;
    this.committed = c;
    this.commitMsg = m;
    if (after(c.proposal, this.lastAcked)) this.lastAcked = { leader: c.proposal.leader, round: c.proposal.round };
    host.cancelTimer({ kind: 'gm.commit', view: host.view.id });
    if (!c.proposal.kept.includes(host.self)) {
      // Removed (or leaving): it says no more, but it still acknowledges later New-Views of this
      // view, whose 2f+1 may need it when a second fault strikes during the installation.
      this.retired = true;
      return host.excluded(`removed from view ${host.view.id} by the Commit of rank ${c.proposal.leader}`);
    }
    // While my Ready for an earlier proposal may still complete somewhere, a Ready for another
    // could let two views be installed: answer the new Commit once that phase timed out.
    if (this.readyOpen && this.readyFor !== undefined && !bytesEqual(this.readyFor.digest, c.digest)) {
      this.deferred = c;
      return;
    }
    this.answerCommit(c);
  }

  /** Ready-to-Switch if the Commit removes every member known to be corrupt, else Need-More-Change. */
  private answerCommit(c: Named): void {
    const { host } = this;
    const detected = this.book.detected();
    if (this.covers(c.proposal, detected, c.proposal.joiner)) return this.sendReady(c);
    const missing = [...detected].filter((d) => c.proposal.kept.includes(d));
    const { view, round, leader } = c.proposal;
    this.nmcOut = {
      kind: 'gm-nmc',
      view,
      round,
      leader,
      justification: this.book.justification(missing),
      sig: host.crypto.sign(nmcStatement(view, round, leader, host.self)),
    };
    host.broadcast(this.nmcOut);
    this.step();
  }

  private sendReady(c: Named): void {
    const { host } = this;
    if (this.readyFor !== undefined && bytesEqual(this.readyFor.digest, c.digest)) return;
    host.freeze();
    const counts = [...host.counts()];
    const { view, round, leader } = c.proposal;
    const sig = host.crypto.sign(readyStatement(c.digest, host.self, counts));
    const m: ReadyMessage = { kind: 'gm-ready', view, round, leader, digest: c.digest, counts, sig };
    this.readyFor = c;
    this.readyOpen = true;
    this.readyOut = m;
    this.readies.set(host.self, m);
    host.broadcast(m);
    host.setTimer(host.tuning.readyTimeoutMs, { kind: 'gm.ready', view: host.view.id });
    this.checkReady();
  }

  private onReady(from: Rank, m: ReadyMessage): void {
    const v = validateReady(from, m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept') return;
    const prev = this.readies.get(from);
    if (prev !== undefined && !after(m, prev)) return;
    this.readies.set(from, m);
    this.checkReady();
  }

  /** Every member of the next view is ready for the proposal I am ready for: stabilize to the cut. */
  private checkReady(): void {
    const r = this.readyFor;
    if (r === undefined || (this.stabilizing !== undefined && bytesEqual(this.stabilizing.digest, r.digest))) return;
    const ready: ReadyMessage[] = [];
    for (const k of r.proposal.kept) {
      const m = this.readies.get(k);
      if (m === undefined || !bytesEqual(m.digest, r.digest)) return;
      ready.push(m);
    }
    const cut = new Array<number>(this.host.view.members.length).fill(0);
    for (const m of ready) for (let i = 0; i < cut.length; i++) cut[i] = Math.max(cut[i] as number, m.counts[i] ?? 0);
    this.host.cancelTimer({ kind: 'gm.ready', view: this.host.view.id });
    this.stabilizing = { ...r, cut };
    r.proposal.kept.forEach((k, i) => this.host.expect(k, (ready[i] as ReadyMessage).counts));
    this.host.setTimer(this.host.tuning.stabilizeTimeoutMs, { kind: 'gm.stab', view: this.host.view.id });
    this.progress();
  }

  private onNmc(from: Rank, m: NmcMessage): void {
    const v = validateNmc(from, m, this.ctx);
    if (v.verdict === 'reject') return this.suspect(from, v.code, v.detail);
    if (v.verdict !== 'accept') return;
    let grew = false;
    for (const e of v.value) grew = this.book.add(e) || grew;
    if (grew) this.step();
  }

  // ---- timers ------------------------------------------------------------------------------

  private onBeat(): void {
    const { host } = this;
    this.beat++;
    const sig = host.crypto.sign(beatStatement(host.view.id, host.self, this.beat));
    host.broadcast({ kind: 'gm-heartbeat', view: host.view.id, beat: this.beat, sig });
    const now = host.now();
    for (let r = 0; r < this.heard.length; r++) {
      if (r === host.self || this.silent[r] || now - (this.heard[r] as number) < host.tuning.heartbeatTimeoutMs) continue;
      this.silent[r] = true;
      this.suspect(r, 'HEARTBEAT_TIMEOUT', `silent for ${Math.round(now - (this.heard[r] as number))} ms`);
    }
    host.setTimer(host.tuning.heartbeatMs, { kind: 'gm.beat', view: host.view.id });
  }

  /** The leader did not propose in time: suspect it, so that its deputy leads. */
  private onNewViewTimeout(): void {
    this.nvArmed = false;
    const detected = this.book.detected();
    const joiner = detected.size === 0 ? this.host.joiner() : undefined;
    if ((detected.size > 0 || joiner !== undefined) && !this.covered(detected, joiner)) {
      const leader = this.leader(detected);
      if (leader !== this.host.self) this.suspect(leader, 'NEW_VIEW_TIMEOUT', 'no New-View in time');
    }
    this.step();
  }

  private onCommitTimeout(): void {
    const a = this.acked;
    if (a === undefined || (this.committed !== undefined && !after(a.proposal, this.committed.proposal))) return;
    if (a.to !== this.host.self) this.suspect(a.to, 'COMMIT_TIMEOUT', `no Commit of round ${a.proposal.round}`);
    this.step();
  }

  private onReadyTimeout(): void {
    const r = this.readyFor;
    if (r === undefined || this.stabilizing !== undefined) return;
    for (const k of r.proposal.kept) {
      const m = this.readies.get(k);
      if (m === undefined || !bytesEqual(m.digest, r.digest)) this.suspect(k, 'READY_TIMEOUT', 'no Ready-to-Switch');
    }
    this.closeReady();
  }

  /** My Ready's phase timed out: a Commit that came meanwhile may now be answered. */
  private closeReady(): void {
    this.readyOpen = false;
    const d = this.deferred;
    this.deferred = undefined;
    if (d !== undefined && !this.finished && !this.retired) this.answerCommit(d);
  }

  /** Whoever claimed messages I still lack after the timeout is suspected (Table III, Impede Stabilization). */
  private onStabilizeTimeout(): void {
    const s = this.stabilizing;
    if (s === undefined) return;
    const counts = this.host.counts();
    for (const k of s.proposal.kept) {
      const claim = this.readies.get(k);
      if (k === this.host.self || claim === undefined) continue;
      for (let i = 0; i < s.cut.length; i++) {
        if ((claim.counts[i] ?? 0) > (counts[i] ?? 0)) {
          this.suspect(k, 'STABILIZE_TIMEOUT', `claims ${claim.counts[i]} messages of ${i}`);
          break;
        }
      }
    }
    this.closeReady();
  }

  /** Repeat my latest messages, so that loss cannot stall the installation. */
  private onResend(): void {
    const { host } = this;
    for (const m of this.ownSuspects) host.broadcast(m);
    if (this.mine !== undefined) host.broadcast(this.mine.nv);
    if (this.commitMsg !== undefined) host.broadcast(this.commitMsg);
    if (this.acked !== undefined && this.acked.to !== host.self) {
      const { proposal, digest, sig } = this.acked;
      host.send(this.acked.to, { kind: 'gm-ack', view: proposal.view, round: proposal.round, leader: proposal.leader, digest, sig });
    }
    if (this.nmcOut !== undefined) host.broadcast(this.nmcOut);
    if (this.readyOut !== undefined) host.broadcast(this.readyOut);
    host.setTimer(host.tuning.resendMs, { kind: 'gm.resend', view: host.view.id });
  }

  /** My final messages of this view, for members that lag behind (member.ts answers them). */
  closing(): MembershipMessage[] {
    const out: MembershipMessage[] = [];
    if (this.commitMsg !== undefined) out.push(this.commitMsg);
    if (this.readyOut !== undefined) out.push(this.readyOut);
    return out;
  }
}
