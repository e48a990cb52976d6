/**
 * Semantic checks on Paxos messages, apart from the handlers (STYLE.md, Messages). The codec
 * already bounded every field; this says whether the message makes sense from this sender.
 * Under crash faults a member never lies, so a reject means a bug or a stranger: it is dropped
 * and its sender reported all the same.
 */
import type { ClientRequest } from '../../core/env.js';
import { isClientId, type NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import { compareBallots } from './ballot.js';
import type { Ballot, Entry, PaxosMessage, PromiseMessage } from './messages.js';
import type { PaxosState } from './state.js';

export type RejectCode =
  | 'NOT_MEMBER'
  | 'BAD_BALLOT'
  | 'NOT_BALLOT_OWNER'
  | 'BATCH_TOO_LARGE'
  | 'BAD_RANGE'
  | 'BAD_ENTRIES'
  | 'BAD_REQUEST';

export type Verdict =
  | { readonly verdict: 'accept' }
  | { readonly verdict: 'ignore'; readonly code: 'STALE' }
  | { readonly verdict: 'reject'; readonly code: RejectCode };

const ACCEPT: Verdict = { verdict: 'accept' };
const reject = (code: RejectCode): Verdict => ({ verdict: 'reject', code });

/** Rounds stay far below 2^53 so that round + 1 is exact. */
const ROUND_MAX = 2 ** 40;

function validBallot(r: PaxosState, b: Ballot): boolean {
  return b.leader < r.n && b.round <= ROUND_MAX;
}

/** The checks every message from `from` passes before its handler sees it. */
export function validate(r: PaxosState, from: NodeId, m: PaxosMessage): Verdict {
  if (!r.isMember(from) || from === r.self) return reject('NOT_MEMBER');
  switch (m.kind) {
    case 'forward':
      return validRequest(m.request) ? ACCEPT : reject('BAD_REQUEST');
    case 'prepare':
    case 'commit':
      return ownedBallot(r, from, m.ballot);
    case 'accept': {
      const v = ownedBallot(r, from, m.ballot);
      if (v.verdict !== 'accept') return v;
      return validBatch(r, m.requests);
    }
    case 'accepted':
      return validBallot(r, m.ballot) ? ACCEPT : reject('BAD_BALLOT');
    case 'nack':
      if (!validBallot(r, m.ballot) || !validBallot(r, m.promised)) return reject('BAD_BALLOT');
      return compareBallots(m.promised, m.ballot) > 0 ? ACCEPT : reject('BAD_BALLOT');
    case 'promise':
      return validPromise(r, m);
    case 'fetch':
      if (m.toSeq < m.fromSeq || m.fromSeq < 1) return reject('BAD_RANGE');
      return ACCEPT;
    case 'decided':
      if (m.seq < 1) return reject('BAD_RANGE');
      return validBatch(r, m.requests);
    case 'checkpoint':
    case 'stable':
      return m.seq < 1 ? reject('BAD_RANGE') : ACCEPT;
  }
}

/** Only the owner of a ballot proposes in it (PMS §2.2: proposal numbers are unique per proposer). */
function ownedBallot(r: PaxosState, from: NodeId, b: Ballot): Verdict {
  if (!validBallot(r, b)) return reject('BAD_BALLOT');
  return r.leaderOf(b) === from ? ACCEPT : reject('NOT_BALLOT_OWNER');
}

function validPromise(r: PaxosState, m: PromiseMessage): Verdict {
  if (!validBallot(r, m.ballot)) return reject('BAD_BALLOT');
  if (m.toSeq + 1 < m.fromSeq || m.fromSeq < 1) return reject('BAD_RANGE');
  if (!validEntries(r, m.entries, m.fromSeq, m.toSeq, m.ballot)) return reject('BAD_ENTRIES');
  return ACCEPT;
}

/** Entries in increasing slot order within the promise's range, none accepted above the promised ballot. */
function validEntries(
  r: PaxosState,
  entries: readonly Entry[],
  from: number,
  to: number,
  b: Ballot,
): boolean {
  let last = from - 1;
  for (const e of entries) {
    if (e.seq <= last || e.seq > to) return false;
    if (!validBallot(r, e.ballot) || compareBallots(e.ballot, b) > 0) return false;
    if (validBatch(r, e.requests).verdict !== 'accept') return false;
    last = e.seq;
  }
  return true;
}

function validBatch(r: PaxosState, requests: readonly ClientRequest[]): Verdict {
  let bytes = 0;
  for (const q of requests) {
    if (!validRequest(q)) return reject('BAD_REQUEST');
    bytes += q.op.byteLength;
  }
  return bytes > Math.max(r.t.batchBytesMax, limits.batchBytesMax) ? reject('BATCH_TOO_LARGE') : ACCEPT;
}

function validRequest(q: ClientRequest): boolean {
  return isClientId(q.client) && q.requestId > q.lowWater;
}
