/**
 * Liveness after stabilization: once the network is good and at most f nodes are faulty, every
 * request a client invoked completes before the run's deadline, and none fails.
 */
import type { Checker } from './checker.js';

export function livenessChecker(): Checker {
  const failures: string[] = [];
  return {
    name: 'liveness',
    observe(obs) {
      if (obs.kind === 'failed' && failures.length < 3)
        failures.push(`${obs.client}:${obs.requestId} (${obs.reason})`);
      return undefined;
    },
    finish(ctx) {
      const found: string[] = [];
      if (failures.length > 0) found.push(`requests failed: ${failures.join(', ')}`);
      if (ctx.outstanding.length > 0) {
        const sample = ctx.outstanding
          .slice(0, 3)
          .map((r) => `${r.client}:${r.requestId}`)
          .join(', ');
        const down = ctx.down.map((d) => `${d.node} (since ${Math.round(d.sinceMs)} ms)`).join(', ');
        found.push(
          `${ctx.outstanding.length} of ${ctx.requestsInvoked} invoked requests not completed by ${Math.round(ctx.now)} ms ` +
            `(network stable from ${Math.round(ctx.stableAtMs)} ms), e.g. ${sample}` +
            (down === '' ? '' : `; replicas down: ${down}`),
        );
      }
      return found;
    },
  };
}
