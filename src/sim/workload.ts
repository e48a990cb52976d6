/**
 * The workload of a simulated run: each client keeps up to `outstanding` requests in flight,
 * and its k-th request becomes due only at k × spacing, so the requests span the faulty phase
 * and the stabilization that follows (a run that finished before its first crash would test
 * nothing). Ops come from the run's application (app.ts), drawn from the seed.
 */
import type { NodeId } from '../core/ids.js';
import type { SeededRng } from '../core/rng.js';
import type { ClientCore } from '../smr/client-core.js';
import type { SimApp } from './app.js';

export class Workload {
  private readonly issued = new Map<NodeId, number>();
  invoked = 0;
  completed = 0;
  failed = 0;

  constructor(
    private readonly perClient: ReadonlyMap<NodeId, number>,
    private readonly requestBytes: number,
    private readonly rng: SeededRng,
    private readonly app: SimApp,
    /** Virtual ms over which each client's requests are spread. */
    readonly spanMs: number,
  ) {
    let t = 0;
    for (const q of perClient.values()) t += q;
    this.total = t;
  }

  /** The gap between a client's consecutive due times. */
  spacingMs(client: NodeId): number {
    return this.spanMs / Math.max(1, this.perClient.get(client) ?? 1);
  }

  /** When the client's next request is due, or undefined when it has issued them all. */
  nextDueMs(client: NodeId): number | undefined {
    const issued = this.issued.get(client) ?? 0;
    if (issued >= (this.perClient.get(client) ?? 0)) return undefined;
    return issued * this.spacingMs(client);
  }

  /** Top up a client to its window with the requests that are due (at a tick or a completion). */
  fill(client: NodeId, core: ClientCore, outstanding: number, nowMs: number): void {
    const quota = this.perClient.get(client) ?? 0;
    const due = Math.min(quota, Math.floor(nowMs / this.spacingMs(client)) + 1);
    while (core.outstanding < outstanding && (this.issued.get(client) ?? 0) < due) {
      const { op, readOnly } = this.app.nextOp(this.rng, this.requestBytes);
      if (core.invoke(op, readOnly) === undefined) return;
      this.issued.set(client, (this.issued.get(client) ?? 0) + 1);
      this.invoked++;
    }
  }

  /** Requests in all (the world adds the administrator's, which complete like any other). */
  total: number;

  get done(): boolean {
    return this.completed + this.failed >= this.total;
  }
}

/** Splits `requests` among client ids as evenly as possible. */
export function shareRequests(clients: readonly NodeId[], requests: number): Map<NodeId, number> {
  const out = new Map<NodeId, number>();
  clients.forEach((c, i) =>
    out.set(c, Math.floor(requests / clients.length) + (i < requests % clients.length ? 1 : 0)),
  );
  return out;
}
