/**
 * Semantic checks on sequencer messages, apart from the handlers (STYLE.md, Messages). The
 * codec already bounded every field; this says whether the message makes sense here and now.
 */
import type { NodeId } from '../../core/ids.js';
import type { OrderMessage } from './messages.js';

export type Verdict =
  | { readonly verdict: 'accept' }
  | { readonly verdict: 'ignore'; readonly code: 'STALE' | 'BEYOND_WINDOW' }
  | { readonly verdict: 'reject'; readonly code: 'NOT_SEQUENCER' | 'BATCH_TOO_LARGE' | 'EMPTY_BATCH' };

export interface OrderContext {
  readonly sequencer: NodeId;
  readonly delivered: number;
  readonly windowMax: number;
  readonly batchBytesMax: number;
}

export function validateOrder(from: NodeId, m: OrderMessage, ctx: OrderContext): Verdict {
  if (from !== ctx.sequencer) return { verdict: 'reject', code: 'NOT_SEQUENCER' };
  if (m.requests.length === 0) return { verdict: 'reject', code: 'EMPTY_BATCH' };
  let bytes = 0;
  for (const r of m.requests) bytes += r.op.byteLength;
  if (bytes > ctx.batchBytesMax) return { verdict: 'reject', code: 'BATCH_TOO_LARGE' };
  if (m.seq <= ctx.delivered) return { verdict: 'ignore', code: 'STALE' };
  if (m.seq > ctx.delivered + ctx.windowMax) return { verdict: 'ignore', code: 'BEYOND_WINDOW' };
  return { verdict: 'accept' };
}
