/**
 * Read-only requests (issue 3, item 2, last clause; PBFT's read-only optimization, Castro and
 * Liskov, TOCS 2002 §5.1.3). A client sends a read-only request to every replica; each answers
 * at once from its current state with `Service.query`, without ordering and without touching
 * the reply cache, in a reply flagged `readOnly`. The client accepts a result on `readQuorum`
 * matching read-only replies; on a timeout, or as soon as the replies it has can no longer
 * reach that quorum (concurrent writes make replicas answer from different states), it falls
 * back to ordering the same operation under the same request id.
 *
 * The replica answers from executed state only: an ordering protocol delivers batches once they
 * are committed (never tentatively), and a replica fetching state by state transfer does not
 * answer at all, so no answer reflects a request that might not be in the final order.
 *
 * Soundness note: a result accepted on 2f+1 matching replies comes from the state of at least
 * f+1 correct replicas. It reflects every write completed before the read started as long as
 * one of those executed it; with ordered results accepted on f+1 replies a Byzantine replica
 * that helped complete a write and then answers reads with stale state can defeat that (as
 * Castro notes, linearizability then needs 2f+1 replies for ordered requests too).
 */
import type { QuorumSpec } from '../core/quorum.js';
import type { NodeId } from '../core/ids.js';
import { bytesEqual } from '../core/bytes.js';

/**
 * The read quorum for a fault model: 2f+1 (the protocol's quorum) under Byzantine faults;
 * every replica where one reply settles a write (crash faults, the sequencer), since only then
 * is a replica that executed the last completed write sure to be among those answering.
 */
export function readQuorumOf(spec: QuorumSpec, replicas: number): number {
  return spec.model === 'crash' || spec.model === 'none' ? replicas : spec.quorum;
}

/** The largest number of replicas that sent one same result. */
export function largestAgreement(replies: ReadonlyMap<NodeId, Uint8Array>): number {
  const seen: { result: Uint8Array; count: number }[] = [];
  let best = 0;
  for (const r of replies.values()) {
    let entry = seen.find((e) => bytesEqual(e.result, r));
    if (entry === undefined) {
      entry = { result: r, count: 0 };
      seen.push(entry);
    }
    entry.count++;
    best = Math.max(best, entry.count);
  }
  return best;
}

/** Whether the replicas yet to answer can still make some result reach the quorum. */
export function canStillAgree(
  replies: ReadonlyMap<NodeId, Uint8Array>,
  replicas: number,
  quorum: number,
): boolean {
  return largestAgreement(replies) + (replicas - replies.size) >= quorum;
}
