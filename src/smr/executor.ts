/**
 * Executes ordered batches in sequence order, exactly once per request, and caches replies.
 * Ordering protocols deliver batch s only after s-1, so execution is a straight line; the
 * executor still checks, because a gap would be a protocol bug that must not pass silently.
 */
import { assert } from '../core/assert.js';
import type { ClientRequest, OrderedBatch } from '../core/env.js';
import type { ExecutedRequest } from './observations.js';
import { ReplyCache } from './reply-cache.js';
import type { Service } from './service.js';

export interface ExecutionOutcome {
  readonly seq: number;
  readonly executed: readonly ExecutedRequest[];
}

export class Executor {
  /** The last executed sequence number. */
  lastSeq = 0;
  readonly cache: ReplyCache;

  constructor(
    readonly service: Service,
    windowMax: number,
  ) {
    this.cache = new ReplyCache(windowMax);
  }

  execute(batch: OrderedBatch): ExecutionOutcome {
    assert(batch.seq === this.lastSeq + 1, `batch ${batch.seq} delivered after ${this.lastSeq}`);
    this.lastSeq = batch.seq;
    const executed: ExecutedRequest[] = [];
    for (const r of batch.requests) executed.push(this.executeOne(r, batch.seq));
    return { seq: batch.seq, executed };
  }

  private executeOne(r: ClientRequest, seq: number): ExecutedRequest {
    if (!this.cache.admit(r.client, r.requestId, r.lowWater)) {
      return { client: r.client, requestId: r.requestId, op: r.op, result: undefined };
    }
    const result = this.service.execute(r.op, { client: r.client, requestId: r.requestId, seq });
    this.cache.record(r.client, r.requestId, result);
    return { client: r.client, requestId: r.requestId, op: r.op, result };
  }
}
