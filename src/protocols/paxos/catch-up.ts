/**
 * Catch-up: a replica whose execution stalled on a gap (it missed accepts or commits, or was cut
 * off) asks a peer for the chosen batches it lacks; the peer answers with those it holds, or,
 * when it garbage-collected them, with its stable checkpoint, and the replica then fetches the
 * state through smr (checkpoints.ts).
 */
import type { ClientRequest } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { learnStable, requestState } from './checkpoints.js';
import { executeReady } from './learner.js';
import type { Decided, Fetch, Stable } from './messages.js';
import { advanceCommit } from './proposer.js';
import { startElection } from './election.js';
import { requestKey, type PaxosState } from './state.js';

/** Ask for the batches after the last executed one when execution stalled for fetchMs. */
export function catchUpTick(r: PaxosState): void {
  if (r.stateTarget !== undefined || r.lastDelivered >= r.knownHigh) return;
  const now = r.env.now();
  if (now - r.progressAtMs < r.t.fetchMs || now - r.fetchAtMs < r.t.fetchMs) return;
  r.fetchAtMs = now;
  r.counters.fetchesSent++;
  const fromSeq = r.lastDelivered + 1;
  const toSeq = Math.min(r.knownHigh, fromSeq + r.t.fetchSeqsMax - 1);
  r.env.send(fetchTarget(r), { kind: 'fetch', fromSeq, toSeq });
}

/** The leader, which holds every chosen batch it has not garbage-collected; every other time, any peer. */
function fetchTarget(r: PaxosState): NodeId {
  const peers = r.members.filter((m) => m !== r.self);
  if (r.role === 'follower' && r.leader !== r.self && r.counters.fetchesSent % 2 === 1) return r.leader;
  return peers[r.env.random().int(peers.length)] as NodeId;
}

/** Answer a fetch: the chosen batches held, in order, up to the first one not held. */
export function onFetch(r: PaxosState, from: NodeId, m: Fetch): void {
  const toSeq = Math.min(m.toSeq, m.fromSeq + r.t.fetchSeqsMax - 1);
  for (let seq = m.fromSeq; seq <= toSeq; seq++) {
    const slot = r.log.get(seq);
    if (slot?.decided === true) {
      r.env.send(from, { kind: 'decided', seq, requests: slot.requests });
      continue;
    }
    // Garbage-collected here: the requester must fetch the state instead.
    if (slot === undefined && seq <= r.stableSeq)
      r.env.send(from, { kind: 'stable', seq: r.stableSeq, digest: r.stableDigest });
    return;
  }
}

export function onDecided(r: PaxosState, m: Decided): void {
  if (m.seq <= r.lastDelivered || m.seq > r.lastDelivered + 2 * r.t.logSize) return;
  const slot = r.log.get(m.seq);
  if (slot?.decided === true) return;
  if (r.role === 'leader') {
    // A slot this leader has not opened: chosen under a higher ballot; the acceptors' nacks will
    // depose this leader. Never let it propose over a chosen value meanwhile: ignore it.
    if (m.seq >= r.nextSeq) return;
    // Chosen with another value than this leader proposed in its ballot: a higher ballot chose
    // it, so this leader's commits can no longer vouch for its proposals. Run phase 1 again.
    if (slot !== undefined && !sameBatch(slot.requests, m.requests)) return startElection(r);
  }
  // Crash faults: a peer's chosen value is the chosen value.
  r.log.set(m.seq, { ballot: slot?.ballot ?? r.promised, requests: m.requests, decided: true });
  r.knownHigh = Math.max(r.knownHigh, m.seq);
  if (r.votesFor.delete(m.seq)) r.sentAtMs.delete(m.seq);
  executeReady(r);
  advanceCommit(r);
}

function sameBatch(a: readonly ClientRequest[], b: readonly ClientRequest[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (requestKey(a[i] as ClientRequest) !== requestKey(b[i] as ClientRequest)) return false;
  return true;
}

/**
 * A peer no longer holds the batches asked for: it garbage-collected them below its stable
 * checkpoint. This replica fetches the state at the highest stable checkpoint it knows, which
 * may be the peer's or a later one it learned elsewhere.
 */
export function onStable(r: PaxosState, from: NodeId, m: Stable): void {
  learnStable(r, m.seq, m.digest, [from]);
  if (r.lastDelivered < r.stableSeq) requestState(r, m.seq === r.stableSeq ? from : undefined);
}
