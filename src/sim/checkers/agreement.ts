/**
 * Agreement and total order: every correct replica that executes sequence number s executes
 * the same requests, in the same order, with the same results. Results depend on the whole
 * history of the state, so equal results at s also witness equal order before s.
 */
import type { Checker } from './checker.js';
import { fingerprint } from './checker.js';

export function agreementChecker(): Checker {
  const bySeq = new Map<number, { replica: number; summary: string }>();
  return {
    name: 'agreement',
    observe(obs, ctx) {
      if (obs.kind !== 'executed' || !ctx.isCorrect(obs.replica)) return undefined;
      let summary = '';
      for (const r of obs.requests)
        summary += `${r.client}:${r.requestId}:${fingerprint(r.op)}>${fingerprint(r.result)};`;
      const first = bySeq.get(obs.seq);
      if (first === undefined) {
        bySeq.set(obs.seq, { replica: obs.replica, summary });
        return undefined;
      }
      if (first.summary === summary) return undefined;
      return `replicas ${first.replica} and ${obs.replica} executed different batches at seq ${obs.seq}`;
    },
  };
}
