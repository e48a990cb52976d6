/**
 * Joins (seed 003, Table II "Heal" and "Inter", as the ITUA GCS changed them): only singleton
 * partitions merge, one node at a time; its request is signed with its own key, which must be on
 * the authorized list, and a node once removed is never admitted again. Every member, not only
 * the leader, checks the request; the admission itself is a view installation decided by the
 * membership agreement (agreement.ts), whose members acknowledge a New-View naming the joiner
 * only if they too received its valid request.
 *
 * The joiner learns its first view from the members: it believes a view once f+1 of that view's
 * members sent it the same one (at most f of them lie).
 */
import type { CryptoSuite } from '../../../core/crypto-suite.js';
import type { NodeId } from '../../../core/ids.js';
import { maxFaults } from '../../../core/quorum.js';
import type { JoinMessage, WelcomeMessage } from './messages.js';
import { joinStatement, welcomeStatement } from './signing.js';

/** The member side: which nodes asked to join, and whether they may. */
export class JoinDesk {
  /** Nodes that asked, in the order they first asked (one is admitted at a time). */
  private readonly requests: NodeId[] = [];

  constructor(
    private readonly crypto: CryptoSuite,
    private readonly authorized: ReadonlySet<NodeId>,
    private readonly excluded: ReadonlySet<NodeId>,
  ) {}

  /** A request from `from`; true when it is valid (the caller answers it). */
  onRequest(from: NodeId, m: JoinMessage): boolean {
    if (m.node !== from || !this.authorized.has(from) || this.excluded.has(from)) return false;
    if (!this.crypto.verify(from, joinStatement(from), m.sig)) return false;
    if (!this.requests.includes(from) && this.requests.length < 64) this.requests.push(from);
    return true;
  }

  /** The next node to admit, if any is waiting and not yet a member. */
  next(members: readonly NodeId[]): NodeId | undefined {
    return this.requests.find((n) => !members.includes(n) && this.canAdmit(n));
  }

  canAdmit(node: NodeId): boolean {
    return this.requests.includes(node) && this.authorized.has(node) && !this.excluded.has(node);
  }

  admitted(node: NodeId): void {
    const i = this.requests.indexOf(node);
    if (i >= 0) this.requests.splice(i, 1);
  }
}

/** The joiner side: collect welcomes until f+1 members of one view agree on it. */
export class Welcomes {
  private readonly seen = new Map<string, Set<NodeId>>();

  constructor(
    private readonly crypto: CryptoSuite,
    private readonly self: NodeId,
  ) {}

  request(): JoinMessage {
    return { kind: 'gm-join', node: this.self, sig: this.crypto.sign(joinStatement(this.self)) };
  }

  /** A welcome from `from`; the view once it is believed. */
  onWelcome(from: NodeId, m: WelcomeMessage): { id: number; members: NodeId[] } | undefined {
    if (!m.members.includes(from) || !m.members.includes(this.self)) return undefined;
    if (!this.crypto.verify(from, welcomeStatement(m.view, m.members), m.sig)) return undefined;
    const key = `${m.view}:${m.members.join(',')}`;
    const set = this.seen.get(key) ?? new Set<NodeId>();
    if (this.seen.size >= 64 && !this.seen.has(key)) return undefined;
    set.add(from);
    this.seen.set(key, set);
    if (set.size < maxFaults('byzantine', m.members.length) + 1) return undefined;
    return { id: m.view, members: [...m.members] };
  }
}

export function welcome(crypto: CryptoSuite, view: number, members: readonly NodeId[]): WelcomeMessage {
  return {
    kind: 'gm-welcome',
    view,
    members: [...members],
    sig: crypto.sign(welcomeStatement(view, members)),
  };
}
