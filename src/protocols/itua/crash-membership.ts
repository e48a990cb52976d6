/**
 * The crash-only baseline of seed 003's Figure 6 (its "C-Ensemble" stack): group membership that
 * trusts every member, as a crash-tolerant system may. Members multicast heartbeats; one that is
 * silent for `suspectMs` is suspected, and a single suspicion, multicast, is believed by all
 * (seed 003, "Overview of the C-Ensemble…": "if any group member suspects that another member has
 * crashed, … the group will reconfigure"). The coordinator (the lowest-ranked member not
 * suspected) proposes the view without the suspects, every proposed member acknowledges, and the
 * coordinator tells them to install it. No signatures, no f+1 justification, no Commit quorum.
 *
 * It is a measurement baseline: it exists so the experiments can show what the intrusion-tolerant
 * membership's rounds and cryptography cost. A member learns of every suspicion, so a second crash
 * during an installation makes the coordinator propose again without it.
 */
import { assert } from '../../core/assert.js';
import type { Env, Protocol } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import { list, u32, union, type Infer } from '../../codec/schema.js';

const members = list(u32, limits.membersMax, 'members');

export const crashMembershipSchema = union('CrashMembership', {
  'cm-heartbeat': [1, { view: u32 }],
  /** `node` is suspected of having crashed, in `view`. */
  'cm-suspect': [2, { view: u32, node: u32 }],
  /** The coordinator proposes the next view (attempt numbers order re-proposals). */
  'cm-propose': [3, { view: u32, attempt: u32, members }],
  'cm-ack': [4, { view: u32, attempt: u32 }],
  'cm-install': [5, { view: u32, attempt: u32, members }],
});

export type CrashMembershipMessage = Infer<typeof crashMembershipSchema>;

export type CrashMembershipTimer =
  | { readonly kind: 'cm.heartbeat' }
  | { readonly kind: 'cm.check' }
  | { readonly kind: 'cm.retry'; readonly view: number; readonly attempt: number };

/** What the baseline tells the process hosting it. */
export type CrashMembershipEvent =
  | { readonly kind: 'suspected'; readonly node: NodeId; readonly view: number }
  | { readonly kind: 'view'; readonly view: { readonly id: number; readonly members: readonly NodeId[] } };

export interface CrashMembershipTuning {
  readonly heartbeatMs: number;
  /** A member silent this long is suspected of having crashed. */
  readonly suspectMs: number;
  /** The coordinator proposes again if acknowledgements have not all come by then. */
  readonly retryMs: number;
}

export const crashMembershipDefaults: CrashMembershipTuning = {
  heartbeatMs: 150,
  suspectMs: 1_000,
  retryMs: 200,
};

interface Proposal {
  readonly view: number;
  readonly attempt: number;
  readonly members: readonly NodeId[];
  readonly acks: Set<NodeId>;
}

export class CrashMembership implements Protocol<CrashMembershipMessage, CrashMembershipTimer> {
  private view = 0;
  private members: NodeId[];
  private readonly suspects = new Set<NodeId>();
  private readonly heardAt = new Map<NodeId, number>();
  private proposal: Proposal | undefined;
  private attempt = 0;
  private readonly tuning: CrashMembershipTuning;

  constructor(
    private readonly env: Env<CrashMembershipMessage, CrashMembershipTimer, CrashMembershipEvent>,
    initial: readonly NodeId[],
    tuning?: Partial<CrashMembershipTuning>,
  ) {
    assert(initial.includes(env.self), `crash-membership: ${env.self} is not a member`);
    this.members = [...initial];
    this.tuning = { ...crashMembershipDefaults, ...tuning };
  }

  start(): void {
    // A member is watched from the first time it is heard: connections come up at different
    // times, and one that is slow to connect is not a crashed one.
    this.env.deliver({ kind: 'view', view: { id: this.view, members: [...this.members] } });
    this.onTimer({ kind: 'cm.heartbeat' });
    this.env.setTimer(this.tuning.suspectMs, { kind: 'cm.check' });
  }

  currentView(): { id: number; members: readonly NodeId[] } {
    return { id: this.view, members: this.members };
  }

  onMessage(from: NodeId, m: CrashMembershipMessage): void {
    this.heardAt.set(from, this.env.now());
    switch (m.kind) {
      case 'cm-heartbeat':
        return;
      case 'cm-suspect':
        if (m.view === this.view) this.suspect(m.node);
        return;
      case 'cm-propose':
        if (m.view !== this.view + 1 || !m.members.includes(this.env.self)) return;
        for (const node of this.members) if (!m.members.includes(node)) this.suspect(node);
        this.env.send(from, { kind: 'cm-ack', view: m.view, attempt: m.attempt });
        return;
      case 'cm-ack':
        return this.onAck(from, m.view, m.attempt);
      case 'cm-install':
        if (m.view === this.view + 1 && m.members.includes(this.env.self)) this.install(m.view, m.members);
        return;
    }
  }

  onTimer(t: CrashMembershipTimer): void {
    switch (t.kind) {
      case 'cm.heartbeat':
        this.env.broadcast({ kind: 'cm-heartbeat', view: this.view });
        return this.env.setTimer(this.tuning.heartbeatMs, t);
      case 'cm.check': {
        const now = this.env.now();
        for (const m of this.members) {
          const heard = this.heardAt.get(m);
          if (m !== this.env.self && heard !== undefined && now - heard > this.tuning.suspectMs)
            this.suspect(m);
        }
        return this.env.setTimer(this.tuning.heartbeatMs, t);
      }
      case 'cm.retry':
        if (this.proposal?.view === t.view && this.proposal.attempt === t.attempt) this.propose();
        return;
    }
  }

  /** A crash suspicion, mine or another member's: believed, multicast, and acted on by the coordinator. */
  private suspect(node: NodeId): void {
    if (node === this.env.self || !this.members.includes(node) || this.suspects.has(node)) return;
    this.suspects.add(node);
    this.env.deliver({ kind: 'suspected', node, view: this.view });
    this.env.broadcast({ kind: 'cm-suspect', view: this.view, node });
    if (this.isCoordinator()) this.propose();
  }

  private isCoordinator(): boolean {
    return this.members.find((m) => !this.suspects.has(m)) === this.env.self;
  }

  private propose(): void {
    const next = this.members.filter((m) => !this.suspects.has(m));
    const p: Proposal = {
      view: this.view + 1,
      attempt: ++this.attempt,
      members: next,
      acks: new Set([this.env.self]),
    };
    this.proposal = p;
    for (const m of next) {
      if (m !== this.env.self)
        this.env.send(m, { kind: 'cm-propose', view: p.view, attempt: p.attempt, members: next });
    }
    this.env.setTimer(this.tuning.retryMs, { kind: 'cm.retry', view: p.view, attempt: p.attempt });
    this.maybeInstall();
  }

  private onAck(from: NodeId, view: number, attempt: number): void {
    const p = this.proposal;
    if (p === undefined || p.view !== view || p.attempt !== attempt || !p.members.includes(from)) return;
    p.acks.add(from);
    this.maybeInstall();
  }

  private maybeInstall(): void {
    const p = this.proposal;
    if (p === undefined || p.acks.size < p.members.length) return;
    const install: CrashMembershipMessage = {
      kind: 'cm-install',
      view: p.view,
      attempt: p.attempt,
      members: [...p.members],
    };
    for (const m of p.members) if (m !== this.env.self) this.env.send(m, install);
    this.install(p.view, p.members);
  }

  private install(view: number, next: readonly NodeId[]): void {
    this.view = view;
    this.members = [...next];
    this.proposal = undefined;
    for (const s of [...this.suspects]) if (!next.includes(s)) this.suspects.delete(s);
    const now = this.env.now();
    for (const m of next) this.heardAt.set(m, now);
    this.env.deliver({ kind: 'view', view: { id: view, members: [...next] } });
    // Suspicions of members still in the new view carry over: the new coordinator acts on them.
    if (this.suspects.size > 0 && this.isCoordinator()) this.propose();
  }
}
