/**
 * Client requests at a replica (OSDI §4.1, §4.5.2). The primary queues them for batches. A
 * backup keeps them waiting until they execute, relays each to the primary, and runs the request
 * timer: when a request has waited longer than the (backed-off) timeout, the primary is
 * stalling it and the backup starts a view change, unless it is merely behind its peers.
 *
 * Every request carries its client's authenticator (smr/request-auth.ts): the replica node
 * checked this replica's MAC before `submit`, and the primary checks its own MAC on a relayed
 * request too, so it proposes only requests its backups can authenticate (OSDI §4.1). It also
 * orders a relayed request only when f+1 replicas relayed the same content (one of them is
 * correct and received it from the client). Requests straight from a client need no such count.
 */
import type { ClientRequest } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { encodeBody } from '../../codec/frame.js';
import { requestSchema } from '../../smr/messages.js';
import { fetchNow, isBehind } from './catch-up.js';
import type { RequestForward } from './messages.js';
import { scheduleFlush } from './normal-case.js';
import type { PbftState } from './state.js';
import { requestKey } from './stores.js';
import { isAuthenticatedBatch, isValidRequest } from './validate.js';
import { startViewChange } from './view-change.js';
import { hex } from '../../core/bytes.js';

/** A client's request reached this replica (possibly a retransmission). */
export function submitRequest(r: PbftState, request: ClientRequest): void {
  const key = requestKey(request);
  if (r.requests.isExecuted(key)) return;
  const fresh = r.requests.add(request, r.env.now());
  if (!fresh && !r.requests.has(key)) return;
  if (r.isPrimary()) {
    if (fresh) scheduleFlush(r);
    return armRequestTimer(r);
  }
  // A retransmission means the client is still waiting: relay it again (the primary may have lost it).
  r.env.send(r.primary, { kind: 'request', request });
  armRequestTimer(r);
}

export function onForwardedRequest(r: PbftState, from: NodeId, m: RequestForward): void {
  if (!r.isMember(from)) return r.suspect(from, 'NOT_MEMBER');
  if (!isValidRequest(m.request)) return r.suspect(from, 'BAD_REQUEST');
  if (!r.isPrimary()) return;
  const key = requestKey(m.request);
  if (r.requests.has(key) || r.requests.isExecuted(key)) return;
  // The primary orders only what its backups will accept: its own client MAC must verify. A bad
  // one is not the relayer's fault (it can check only its own entry): dropped, nobody suspected.
  if (!isAuthenticatedBatch(r, [m.request])) return;
  // Copies may differ in lowWater, and so in their authenticators: the content is the rest.
  const content = hex(
    r.env.crypto.digest(encodeBody(requestSchema, { ...m.request, lowWater: 0, auth: [] })),
  );
  const request = r.requests.forward(from, m.request, content, r.weak);
  if (request === undefined || !r.requests.add(request, r.env.now())) return;
  scheduleFlush(r);
  armRequestTimer(r);
}

/** A new view: relay what still waits to its primary (bounded), so it need not wait for clients. */
export function forwardPending(r: PbftState): void {
  if (r.isPrimary()) return;
  for (const request of r.requests.oldest(r.t.forwardOnViewMax))
    r.env.send(r.primary, { kind: 'request', request });
}

/**
 * Arm the request timer for the oldest waiting request, in an active view. The primary runs it
 * too (beyond OSDI §4.5.2), over the requests it put in batches: a correct primary whose batches
 * do not commit in time (its backups left for a higher view, or it is cut off) has no reason to
 * stay, and its view-change lets the others join by the f+1 rule instead of waiting for clients.
 */
export function armRequestTimer(r: PbftState, minDelayMs = 0): void {
  if (!r.active || r.requestTimerView === r.view) return;
  const oldest = r.requests.oldestSinceMs(r.isPrimary());
  if (oldest === undefined) return;
  const due = oldest + r.requestTimeoutMs() - r.env.now();
  r.requestTimerView = r.view;
  r.env.setTimer(Math.max(due, minDelayMs, 1), { kind: 'request', view: r.view });
}

export function onRequestTimer(r: PbftState, view: number): void {
  if (view !== r.view || r.requestTimerView !== view) return;
  r.requestTimerView = undefined;
  if (!r.active) return;
  const oldest = r.requests.oldestSinceMs(r.isPrimary());
  if (oldest === undefined) return;
  if (r.env.now() - oldest < r.requestTimeoutMs()) return armRequestTimer(r);
  // A replica that is behind its peers waits because of itself, not the primary: catch up first,
  // as long as catching up makes progress (else the view itself may be stuck for it: change it).
  if (isBehind(r) && r.lastDelivered !== r.behindAt) {
    r.behindAt = r.lastDelivered;
    fetchNow(r);
    return armRequestTimer(r, r.requestTimeoutMs());
  }
  r.env.log.log('info', 'pbft-request-timeout', { view, primary: r.primary });
  startViewChange(r, r.view + 1);
}
