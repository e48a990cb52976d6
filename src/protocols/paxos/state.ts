/**
 * The state of one Paxos replica, shared by the handler modules (acceptor.ts, election.ts,
 * proposer.ts, learner.ts, checkpoints.ts, catch-up.ts). It holds data and small predicates
 * only; the transitions live in those modules, and replica.ts dispatches to them.
 *
 * Every replica plays the three roles of PMS §2.1: acceptor (promised, the log), learner
 * (decided slots, execution) and, when it leads, proposer.
 */
import { DIGEST_BYTES } from '../../core/crypto-suite.js';
import type { ClientRequest, Env, OrderingDelivery, ProtocolConfig, TimerKey } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { INITIAL_BALLOT } from './ballot.js';
import type { Ballot, PaxosMessage } from './messages.js';
import { resolveTuning, type PaxosTuning } from './timers.js';

export type PaxosEnv = Env<PaxosMessage, TimerKey, OrderingDelivery>;

/** One slot of the log: the value accepted there and its ballot; `decided` once it is known chosen. */
export interface Slot {
  ballot: Ballot;
  requests: ClientRequest[];
  decided: boolean;
}

export type Role = 'follower' | 'candidate' | 'leader';

/** A candidate's phase 1: what each acceptor promised so far. */
export interface Election {
  readonly ballot: Ballot;
  readonly fromSeq: number;
  /** Per acceptor, the last slot its promises covered so far, and whether they covered all. */
  readonly covered: Map<NodeId, number>;
  readonly done: Set<NodeId>;
  /** Per slot, the value to propose: the decided one, else the one accepted in the highest ballot. */
  readonly values: Map<number, { ballot: Ballot; decided: boolean; requests: ClientRequest[] }>;
  /** The highest stable checkpoint a promise reported, and who reported it. */
  stable: { seq: number; digest: Uint8Array; from: NodeId } | undefined;
  sentAtMs: number;
}

export interface PaxosCounters {
  elections: number;
  leaderships: number;
  checkpointsStable: number;
  stateTransfers: number;
  fetchesSent: number;
  suspicions: number;
}

export class PaxosState {
  readonly t: PaxosTuning;
  readonly members: readonly NodeId[];
  readonly n: number;
  /** A majority: any two intersect (PMS §2.2), for any n, and f+1 when n = 2f+1. */
  readonly quorum: number;
  readonly self: NodeId;
  readonly rank: number;
  private readonly ranks: ReadonlyMap<NodeId, number>;

  role: Role = 'follower';
  /** The highest ballot this acceptor promised (PMS §2.2, phase 1b), and whose leadership it follows. */
  promised: Ballot = INITIAL_BALLOT;
  /** Elections lost or timed out in a row: the exponent of the back-off. */
  failures = 0;
  /** When this replica last heard from the leader of `promised`, and when it stops waiting. */
  heardAtMs = 0;
  /** This wait's random part, in [0, 1): drawn from env.random() each time the wait restarts. */
  jitter = 0;
  election: Election | undefined;

  /** Slots above the garbage-collection point (and below it while not executed here). */
  readonly log = new Map<number, Slot>();
  /** The last batch handed to smr, the last smr reported executed. */
  lastDelivered = 0;
  lastExecuted = 0;
  /** The latest commit heard from the leader of `commitBallot`: its chosen prefix. */
  commitBallot: Ballot = INITIAL_BALLOT;
  commitSeen = 0;
  /** The highest slot known chosen somewhere (commits, decided answers, checkpoints): beyond lastDelivered is a gap. */
  knownHigh = 0;
  progressAtMs = 0;
  fetchAtMs = 0;

  /** The last stable checkpoint: executed by a majority; the log at or below it is garbage-collected. */
  stableSeq = 0;
  stableDigest: Uint8Array = new Uint8Array(DIGEST_BYTES);
  /** Replicas known to hold the state at stableSeq (for state transfer). */
  stableSources: NodeId[] = [];
  /** The last checkpoint delivered to smr as stable. */
  stableDelivered = 0;
  /** A state transfer asked of smr and not installed yet: deliveries wait for it. */
  stateTarget: { seq: number; digest: Uint8Array } | undefined;
  /** Checkpoint votes above stableSeq: seq → replica → digest; and each replica's latest checkpoint. */
  readonly votes = new Map<number, Map<NodeId, Uint8Array>>();
  readonly latestCheckpoint = new Map<NodeId, number>();
  /** This replica's own checkpoint digests above stableSeq. */
  readonly ownCheckpoints = new Map<number, Uint8Array>();
  checkpointSentAtMs = 0;

  /**
   * Leader: requests waiting for a batch; and each request key waiting (0) or proposed (its
   * slot), so a retransmission is not proposed twice. A key whose slot was executed without it
   * (a state transfer, a slot refilled by phase 1) is stale: the next retransmission replaces it.
   */
  pending: ClientRequest[] = [];
  readonly known = new Map<string, number>();
  flushArmed = false;
  /** Leader: the next slot to open, the chosen prefix, votes of undecided slots, when each was sent. */
  nextSeq = 1;
  committed = 0;
  readonly votesFor = new Map<number, Set<NodeId>>();
  readonly sentAtMs = new Map<number, number>();
  lastSentAtMs = 0;

  readonly counters: PaxosCounters = {
    elections: 0,
    leaderships: 0,
    checkpointsStable: 0,
    stateTransfers: 0,
    fetchesSent: 0,
    suspicions: 0,
  };

  constructor(
    readonly env: PaxosEnv,
    config: ProtocolConfig,
  ) {
    this.t = resolveTuning(config.tuning);
    this.members = config.members;
    this.n = config.members.length;
    this.quorum = Math.floor(this.n / 2) + 1;
    this.self = env.self;
    this.ranks = new Map(config.members.map((m, i) => [m, i]));
    this.rank = this.ranks.get(env.self) ?? -1;
  }

  leaderOf(b: Ballot): NodeId {
    return this.members[b.leader] as NodeId;
  }

  /** The replica this one follows (or itself, leading or running phase 1). */
  get leader(): NodeId {
    return this.leaderOf(this.promised);
  }

  isLeader(): boolean {
    return this.role === 'leader';
  }

  isMember(node: NodeId): boolean {
    return this.ranks.has(node);
  }

  rankOf(node: NodeId): number {
    return this.ranks.get(node) ?? -1;
  }

  /** The highest slot a leader may open: L above the stable checkpoint. */
  get high(): number {
    return this.stableSeq + this.t.logSize;
  }

  suspect(node: NodeId, code: string): void {
    this.counters.suspicions++;
    this.env.suspect(node, { code });
  }
}

export function requestKey(r: ClientRequest): string {
  return `${r.client}:${r.requestId}`;
}
