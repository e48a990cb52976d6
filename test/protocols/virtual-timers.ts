// Timers of the hand-driven protocol clusters (pbft-harness.ts, paxos-harness.ts): each node's
// armed timers by identity, and the earliest one due by a given virtual time.
import type { TimerKey } from '../../src/core/env.js';
import type { NodeId } from '../../src/core/ids.js';

export interface Armed {
  readonly key: TimerKey;
  readonly dueMs: number;
}

export interface Due {
  readonly id: NodeId;
  readonly tid: string;
  readonly armed: Armed;
}

/** The earliest timer due at or before `until`, over every node; undefined when none is. */
export function nextDue(
  timers: ReadonlyMap<NodeId, ReadonlyMap<string, Armed>>,
  until: number,
): Due | undefined {
  let next: Due | undefined;
  for (const [id, own] of timers)
    for (const [tid, armed] of own)
      if (armed.dueMs <= until && (next === undefined || armed.dueMs < next.armed.dueMs))
        next = { id, tid, armed };
  return next;
}
