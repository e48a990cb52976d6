/**
 * Validity, exactly-once, and the results clients accept.
 * - validity: a correct replica executes only requests that their client invoked, with that op;
 * - exactly-once: a correct replica (in one life) executes a request at most once;
 * - client results: a result a client accepts is the one correct replicas computed.
 */
import type { Checker } from './checker.js';
import { bytesEqual } from '../../core/bytes.js';

const key = (client: number, requestId: number): string => `${client}:${requestId}`;

export function executionCheckers(): Checker[] {
  const invoked = new Map<string, Uint8Array>();
  const results = new Map<string, Uint8Array>();
  const executedAt = new Set<string>();

  const validity: Checker = {
    name: 'validity',
    observe(obs, ctx) {
      if (obs.kind === 'invoked') {
        invoked.set(key(obs.client, obs.requestId), obs.op);
        return undefined;
      }
      if (obs.kind !== 'executed' || !ctx.isCorrect(obs.replica)) return undefined;
      for (const r of obs.requests) {
        const op = invoked.get(key(r.client, r.requestId));
        if (op === undefined)
          return `replica ${obs.replica} executed ${key(r.client, r.requestId)}, never invoked`;
        if (!bytesEqual(op, r.op))
          return `replica ${obs.replica} executed ${key(r.client, r.requestId)} with an op its client did not send`;
      }
      return undefined;
    },
  };

  const exactlyOnce: Checker = {
    name: 'exactly-once',
    observe(obs, ctx) {
      if (obs.kind !== 'executed' || !ctx.isCorrect(obs.replica)) return undefined;
      const life = `${obs.replica}/${ctx.incarnation(obs.replica)}`;
      for (const r of obs.requests) {
        if (r.result === undefined) continue;
        const k = `${life}/${key(r.client, r.requestId)}`;
        if (executedAt.has(k)) return `replica ${obs.replica} executed ${key(r.client, r.requestId)} twice`;
        executedAt.add(k);
        if (!results.has(key(r.client, r.requestId))) results.set(key(r.client, r.requestId), r.result);
      }
      return undefined;
    },
  };

  const clientResults: Checker = {
    name: 'client-result',
    observe(obs) {
      // An unordered read was executed by no replica: the app's linearizability checker judges it.
      if (obs.kind !== 'completed' || obs.readOnly) return undefined;
      const expected = results.get(key(obs.client, obs.requestId));
      if (expected === undefined)
        return `client ${obs.client} accepted a result for ${obs.requestId} that no correct replica computed`;
      if (!bytesEqual(expected, obs.result))
        return `client ${obs.client} accepted a wrong result for ${obs.requestId}`;
      return undefined;
    },
  };

  return [validity, exactlyOnce, clientResults];
}
