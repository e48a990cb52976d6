/**
 * What a view's membership agreement (agreement.ts) needs from the member that runs it
 * (member.ts): the view, keys, the network and timers, the stack it stabilizes, and where its
 * decisions go.
 */
import type { CryptoSuite } from '../../../core/crypto-suite.js';
import type { NodeId } from '../../../core/ids.js';
import type { Rank, SuspectCode, ViewInfo } from '../layer.js';
import type { MembershipMessage } from './messages.js';
import type { Proposal } from './signing.js';
import type { MembershipTimer, MembershipTuning } from './timers.js';

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
  /** When this member last sent anything (any layer) to the whole view. */
  lastBroadcastAt(): number;
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
