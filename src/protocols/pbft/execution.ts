/**
 * Delivery to smr (OSDI §4.2: "executes the operation after all requests with lower sequence
 * numbers have been executed"): decided batches go up in sequence order, one at a time, with no
 * gap; a null request (empty batch) advances the sequence number and executes nothing. Nothing
 * is delivered while a state transfer is outstanding: smr installs that state first.
 */
import { armFetch } from './catch-up.js';
import { propose } from './normal-case.js';
import { armRequestTimer } from './requests.js';
import type { PbftState } from './state.js';

export function executeReady(r: PbftState): void {
  let progressed = false;
  while (r.stateTarget === undefined) {
    const seq = r.lastDelivered + 1;
    const slot = r.log.get(seq);
    if (slot?.decidedHex === undefined) break;
    const requests = slot.decidedHex === r.nullHex ? [] : slot.batches.get(slot.decidedHex);
    if (requests === undefined) break;
    r.lastDelivered = seq;
    r.headSinceMs = r.env.now();
    progressed = true;
    r.requests.onExecuted(seq, requests);
    // Progress in a view ends a run of failed view changes: timeouts go back to their base.
    if (r.active && requests.length > 0) r.failures = 0;
    // smr executes it now and calls onExecuted (checkpoints.ts) before this returns.
    r.env.deliver({ kind: 'batch', seq, requests });
  }
  if (!progressed) return;
  r.fetchBackoff = 0;
  armRequestTimer(r);
  propose(r);
  armFetch(r);
}
