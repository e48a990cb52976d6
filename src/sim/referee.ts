/**
 * The referee of a simulated run: it sees every observation the moment a node reports it, keeps
 * the requests in flight and the client history, runs the invariant checkers, and collects the
 * violations. The world only runs events; the referee judges them.
 */
import type { NodeId } from '../core/ids.js';
import type { Observation } from '../smr/observations.js';
import type { Checker, CheckContext, EndContext, Violation } from './checkers/index.js';
import type { Workload } from './workload.js';

export class Referee {
  readonly violations: Violation[] = [];
  suspicions = 0;
  stateInstalls = 0;
  private readonly outstanding = new Map<string, { client: NodeId; requestId: number }>();

  constructor(
    private readonly checkers: readonly Checker[],
    private readonly workload: Workload,
  ) {}

  observe(obs: Observation, ctx: CheckContext): void {
    const key = 'client' in obs ? `${obs.client}:${'requestId' in obs ? obs.requestId : ''}` : '';
    if (obs.kind === 'invoked') this.outstanding.set(key, obs);
    else if (obs.kind === 'completed') {
      this.outstanding.delete(key);
      this.workload.completed++;
    } else if (obs.kind === 'failed') {
      this.outstanding.delete(key);
      this.workload.failed++;
    } else if (obs.kind === 'suspected') this.suspicions++;
    else if (obs.kind === 'state-installed') this.stateInstalls++;
    for (const c of this.checkers) {
      const message = c.observe(obs, ctx);
      if (message !== undefined) this.violate(c.name, message, ctx);
    }
  }

  finish(ctx: Omit<EndContext, 'outstanding' | 'requestsInvoked'>): void {
    if (this.violations.length > 0) return;
    const end: EndContext = {
      ...ctx,
      outstanding: [...this.outstanding.values()],
      requestsInvoked: this.workload.invoked,
    };
    for (const c of this.checkers) for (const m of c.finish?.(end) ?? []) this.violate(c.name, m, end);
  }

  violate(invariant: string, message: string, ctx: { now: number; step: number }): void {
    this.violations.push({ invariant, message, atMs: ctx.now, step: ctx.step });
  }
}
