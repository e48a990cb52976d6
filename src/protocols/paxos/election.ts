/**
 * Leader election and phase 1 (PMS §2.4 "the leader", §3 Multi-Paxos). The replica with the
 * highest ballot it has seen leads. A follower that hears nothing from its leader for the
 * (randomized, backed-off) election timeout runs phase 1 in a ballot of its own above every one
 * it has seen, once for every slot from its first unexecuted one on; a quorum of complete
 * promises makes it leader, and it proposes again, in its ballot, every slot a promise
 * reported: the decided value, else the value accepted in the highest ballot, else a no-op.
 */
import type { NodeId } from '../../core/ids.js';
import { compareBallots, sameBallot } from './ballot.js';
import { learnStable } from './checkpoints.js';
import type { Ballot, Entry, PromiseMessage } from './messages.js';
import { advanceCommit, openSlot, propose, sendHeartbeat } from './proposer.js';
import type { Election, PaxosState } from './state.js';
import { buildPromise } from './acceptor.js';

/** Requests a replica that steps down passes on to the new leader, at most (clients retransmit the rest). */
const FORWARD_ON_STEP_DOWN_MAX = 1024;

/** A ballot above the promised one was seen: promise it, and follow its owner. */
export function observeBallot(r: PaxosState, b: Ballot): void {
  if (compareBallots(b, r.promised) <= 0) return;
  r.promised = b;
  if (r.leader !== r.self) becomeFollower(r);
}

export function becomeFollower(r: PaxosState): void {
  const wasLeading = r.role !== 'follower';
  r.role = 'follower';
  r.election = undefined;
  // What this replica proposed and saw not chosen, and what still waited, goes to the new
  // leader (bounded; clients retransmit the rest, and the reply cache drops duplicates).
  const waiting = [...r.votesFor.keys()].flatMap((seq) => r.log.get(seq)?.requests ?? []);
  waiting.push(...r.pending);
  r.votesFor.clear();
  r.sentAtMs.clear();
  resetElectionTimer(r);
  if (!wasLeading) return;
  for (const request of waiting.slice(0, FORWARD_ON_STEP_DOWN_MAX))
    r.env.send(r.leader, { kind: 'forward', request });
  r.pending = [];
  r.known.clear();
}

/** Wait a new randomized timeout from now, backed off by the elections lost in a row. */
export function resetElectionTimer(r: PaxosState): void {
  r.heardAtMs = r.env.now();
  r.jitter = r.env.random().float();
}

/** How long a silent leader is waited for: randomized so that candidates rarely collide (PMS §3). */
function electionTimeoutMs(r: PaxosState): number {
  const base = Math.min(r.t.electionTimeoutMs * 2 ** Math.min(r.failures, 16), r.t.timeoutMsMax);
  return base * (1 + r.jitter);
}

/** Followers and candidates: start phase 1 once the leader (or this phase 1) has been silent past the timeout. */
export function electionTick(r: PaxosState): void {
  if (r.role === 'leader') return;
  if (r.env.now() >= r.heardAtMs + electionTimeoutMs(r)) return startElection(r);
  if (r.role === 'candidate') resendPrepares(r);
}

/** Phase 1a in a ballot of this replica's own above every ballot it has seen (PMS §2.2). */
export function startElection(r: PaxosState): void {
  r.failures++;
  r.counters.elections++;
  const ballot: Ballot = { round: r.promised.round + 1, leader: r.rank };
  r.promised = ballot;
  r.role = 'candidate';
  r.votesFor.clear();
  r.sentAtMs.clear();
  const e: Election = {
    ballot,
    fromSeq: r.lastDelivered + 1,
    covered: new Map(),
    done: new Set(),
    values: new Map(),
    stable: undefined,
    sentAtMs: r.env.now(),
  };
  r.election = e;
  resetElectionTimer(r);
  r.env.log.log('info', 'paxos-election', { round: ballot.round, fromSeq: e.fromSeq });
  // This replica is an acceptor too: its own promise counts, in as many parts as it takes.
  for (let from = e.fromSeq; ;) {
    const own = buildPromise(r, ballot, from);
    onPromise(r, r.self, own);
    if (own.done || r.election !== e) break;
    from = own.toSeq + 1;
  }
  if (r.role === 'candidate') r.env.broadcast({ kind: 'prepare', ballot, fromSeq: e.fromSeq });
}

function resendPrepares(r: PaxosState): void {
  const e = r.election;
  if (e === undefined || r.env.now() - e.sentAtMs < r.t.resendMs) return;
  e.sentAtMs = r.env.now();
  for (const m of r.members) {
    if (m === r.self || e.done.has(m)) continue;
    r.env.send(m, { kind: 'prepare', ballot: e.ballot, fromSeq: (e.covered.get(m) ?? e.fromSeq - 1) + 1 });
  }
}

/** Phase 1b arrives: merge what it reports; a quorum of complete promises makes this replica leader. */
export function onPromise(r: PaxosState, from: NodeId, m: PromiseMessage): void {
  const e = r.election;
  if (r.role !== 'candidate' || e === undefined || !sameBallot(m.ballot, e.ballot)) return;
  // Parts come in slot order; a part out of order is dropped (the resend asks for it again).
  if (e.done.has(from) || m.fromSeq !== (e.covered.get(from) ?? e.fromSeq - 1) + 1) return;
  for (const entry of m.entries) mergeEntry(e, entry);
  if (m.stableSeq > (e.stable?.seq ?? 0)) e.stable = { seq: m.stableSeq, digest: m.stableDigest, from };
  e.covered.set(from, m.toSeq);
  if (!m.done) {
    if (from !== r.self) r.env.send(from, { kind: 'prepare', ballot: e.ballot, fromSeq: m.toSeq + 1 });
    return;
  }
  e.done.add(from);
  if (e.done.size >= r.quorum) becomeLeader(r, e);
}

/** PMS §2.2 (P2c): a decided value wins; else the value accepted in the highest ballot. */
function mergeEntry(e: Election, entry: Entry): void {
  const cur = e.values.get(entry.seq);
  if (cur !== undefined && cur.decided) return;
  if (cur === undefined || entry.decided || compareBallots(entry.ballot, cur.ballot) > 0)
    e.values.set(entry.seq, { ballot: entry.ballot, decided: entry.decided, requests: entry.requests });
}

/** Phase 1 done: propose again, in this ballot, every slot above what is known chosen and executed. */
function becomeLeader(r: PaxosState, e: Election): void {
  // The stable checkpoint first, while still a candidate: no slot may be opened below it.
  if (e.stable !== undefined && e.stable.seq > r.stableSeq)
    learnStable(r, e.stable.seq, e.stable.digest, [e.stable.from]);
  if (r.role !== 'candidate' || r.election !== e) return;
  r.role = 'leader';
  r.election = undefined;
  r.failures = 0;
  r.counters.leaderships++;
  r.env.log.log('info', 'paxos-leader', { round: e.ballot.round });
  const start = Math.max(r.lastDelivered, r.stableSeq) + 1;
  let maxSeq = start - 1;
  for (const seq of e.values.keys()) if (seq > maxSeq) maxSeq = seq;
  r.committed = start - 1;
  r.nextSeq = maxSeq + 1;
  for (let seq = start; seq <= maxSeq; seq++) {
    const v = e.values.get(seq);
    const mine = r.log.get(seq);
    // A no-op fills a slot no promise reported: nothing can have been chosen there (PMS §3).
    openSlot(r, seq, mine?.decided ? mine.requests : (v?.requests ?? []), mine?.decided || v?.decided);
  }
  advanceCommit(r);
  sendHeartbeat(r);
  propose(r);
}
