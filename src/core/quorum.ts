/**
 * Quorum arithmetic (DESIGN.md §4), in one module that every protocol uses. Each setting says
 * how many replicas are needed for f faults and how many form a quorum. Tested against a naive
 * intersection check in test/core/quorum.test.ts.
 */
import { assert } from './assert.js';

export type FaultModel = 'none' | 'crash' | 'byzantine' | 'fab' | 'proactive';

export interface QuorumSpec {
  readonly model: FaultModel;
  /** Replicas needed. */
  readonly n: number;
  /** Faults tolerated. */
  readonly f: number;
  /** Replicas that form a quorum among the n. */
  readonly quorum: number;
  /** Matching replies a client needs before it accepts a result. */
  readonly replyQuorum: number;
}

function checkF(f: number): void {
  assert(Number.isInteger(f) && f >= 0, `fault count must be a non-negative integer, got ${f}`);
}

/** Central sequencer: one node, no fault tolerance, the baseline. */
export function sequencerQuorum(): QuorumSpec {
  return { model: 'none', n: 1, f: 0, quorum: 1, replyQuorum: 1 };
}

/** Crash faults (Paxos): 2f+1 replicas, majority quorums of f+1. */
export function crashQuorum(f: number): QuorumSpec {
  checkF(f);
  return { model: 'crash', n: 2 * f + 1, f, quorum: f + 1, replyQuorum: 1 };
}

/** Byzantine faults (PBFT, ITUA, async): 3f+1 replicas, quorums of 2f+1, f+1 matching replies. */
export function byzantineQuorum(f: number): QuorumSpec {
  checkF(f);
  return { model: 'byzantine', n: 3 * f + 1, f, quorum: 2 * f + 1, replyQuorum: f + 1 };
}

/** FaB Paxos, two steps: 5f+1 acceptors, quorums of ceil((n+3f+1)/2). */
export function fabQuorum(f: number): QuorumSpec {
  checkF(f);
  const n = 5 * f + 1;
  return { model: 'fab', n, f, quorum: Math.ceil((n + 3 * f + 1) / 2), replyQuorum: f + 1 };
}

/**
 * Proactive recovery (Sousa et al.): with k replicas recovering at a time and k' Byzantine
 * between recoveries, n >= 3k' + 2k + 1. Quorums are those of the protocol below it, taken
 * over the replicas that are up: n - k, of which at most k' lie.
 */
export function proactiveQuorum(kByzantine: number, kRecovering: number): QuorumSpec {
  checkF(kByzantine);
  checkF(kRecovering);
  const n = 3 * kByzantine + 2 * kRecovering + 1;
  return {
    model: 'proactive',
    n,
    f: kByzantine,
    quorum: Math.ceil((n + kByzantine + 1) / 2),
    replyQuorum: kByzantine + 1,
  };
}

/** The largest f that n replicas tolerate under a fault model. */
export function maxFaults(model: Exclude<FaultModel, 'proactive'>, n: number): number {
  assert(Number.isInteger(n) && n >= 1, `replica count must be a positive integer, got ${n}`);
  switch (model) {
    case 'none':
      return 0;
    case 'crash':
      return Math.floor((n - 1) / 2);
    case 'byzantine':
      return Math.floor((n - 1) / 3);
    case 'fab':
      return Math.floor((n - 1) / 5);
  }
}

/** The quorum size for n replicas of which f may be Byzantine: ceil((n+f+1)/2). */
export function byzantineQuorumFor(n: number, f: number): number {
  return Math.ceil((n + f + 1) / 2);
}
