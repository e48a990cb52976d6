/**
 * What a group world must have reached by its end, once the network is stable: the properties
 * that say "eventually", judged over the members that are correct and up at the end.
 *
 * - agreement: every message a correct member delivered is delivered by every correct member;
 * - liveness: every multicast of a correct member is delivered by every correct member. It is
 *   judged only where it can hold without the membership layer (which will exclude faulty
 *   members later in the issue): born order cannot advance past a member that sends nothing, so
 *   when some member is silent, crashed or impedes the order, liveness is judged only for a
 *   FIFO-only workload (`livenessApplies` is false otherwise);
 * - detection: each injected fault that the stack must detect ends with the faulty member
 *   suspected, with the expected code, by every correct member.
 *
 * The same state tells the world when a run is complete, so runs end as soon as all of it holds.
 */
import type { Rank, SuspectCode } from '../../protocols/itua/index.js';
import { parseAppData, type GroupObservation } from './observations.js';

export interface OutcomeConfig {
  readonly n: number;
  isCorrect(rank: Rank): boolean;
  readonly livenessApplies: boolean;
  /** Faulty members that must end suspected, and the code each must be suspected with. */
  readonly required: ReadonlyMap<Rank, SuspectCode>;
}

export interface OutcomeContext {
  isUp(rank: Rank): boolean;
  /** Every correct member's application has multicast all it had to. */
  readonly issuedAll: boolean;
  readonly now: number;
  readonly stableAtMs: number;
}

export class Outcome {
  /** Multicast indexes of each correct member. */
  private readonly multicasts = new Map<Rank, number[]>();
  /** Per member: `sender#index` of correct senders' messages it delivered. */
  private readonly deliveredIndex: Set<string>[];
  /** Per (sender:seq) message: the correct members that delivered it. */
  private readonly deliverers = new Map<string, Set<Rank>>();
  /** Per member: `suspect:code` it raised. */
  private readonly suspected: Set<string>[];
  private readonly required: Map<Rank, SuspectCode>;

  constructor(private readonly cfg: OutcomeConfig) {
    this.deliveredIndex = Array.from({ length: cfg.n }, () => new Set<string>());
    this.suspected = Array.from({ length: cfg.n }, () => new Set<string>());
    this.required = new Map(cfg.required);
  }

  observe(obs: GroupObservation): void {
    const { cfg } = this;
    if (obs.kind === 'crash') {
      // A member that crashed is found by its silence, whatever else it was set to do.
      this.required.set(obs.member, 'STABILITY_TIMEOUT');
    } else if (obs.kind === 'suspect') {
      this.suspected[obs.member]?.add(`${obs.suspect}:${obs.code}`);
    } else if (!cfg.isCorrect(obs.member)) {
      return;
    } else if (obs.kind === 'multicast') {
      const list = this.multicasts.get(obs.member) ?? [];
      list.push(obs.index);
      this.multicasts.set(obs.member, list);
    } else {
      const d = obs.delivery;
      const key = `${d.sender}:${d.seq}`;
      const set = this.deliverers.get(key) ?? new Set<Rank>();
      set.add(obs.member);
      this.deliverers.set(key, set);
      const id = parseAppData(d.data);
      if (id !== undefined && cfg.isCorrect(d.sender))
        this.deliveredIndex[obs.member]?.add(`${d.sender}#${id.index}`);
    }
  }

  isComplete(ctx: OutcomeContext): boolean {
    if (!ctx.issuedAll) return false;
    const up = this.upCorrect(ctx);
    return (
      this.partial(up, 1).length === 0 &&
      this.undelivered(ctx, up, 1).count === 0 &&
      this.undetected(up, 1).length === 0
    );
  }

  finish(ctx: OutcomeContext): { invariant: string; message: string }[] {
    const up = this.upCorrect(ctx);
    const found: { invariant: string; message: string }[] = [];
    const partial = this.partial(up, 3);
    if (partial.length > 0) {
      found.push({
        invariant: 'agreement',
        message: `delivered by some correct members but not all: ${partial.join('; ')}`,
      });
    }
    const missing = this.undelivered(ctx, up, 3);
    if (missing.count > 0 || (this.cfg.livenessApplies && !ctx.issuedAll)) {
      const issued = ctx.issuedAll ? '' : '; some correct applications could not multicast all they had to';
      found.push({
        invariant: 'liveness',
        message:
          `${missing.count} multicasts of correct members not delivered by every correct member by ` +
          `${Math.round(ctx.now)} ms (network stable from ${ctx.stableAtMs} ms)` +
          (missing.sample.length > 0 ? `, e.g. ${missing.sample.join('; ')}` : '') +
          issued,
      });
    }
    for (const m of this.undetected(up, 3)) found.push({ invariant: 'detection', message: m });
    return found;
  }

  private upCorrect(ctx: OutcomeContext): Rank[] {
    const out: Rank[] = [];
    for (let r = 0; r < this.cfg.n; r++) if (this.cfg.isCorrect(r) && ctx.isUp(r)) out.push(r);
    return out;
  }

  /** Messages delivered by a correct member that is up, but not by every such member. */
  private partial(up: readonly Rank[], limit: number): string[] {
    const out: string[] = [];
    for (const [key, members] of this.deliverers) {
      const have = up.filter((m) => members.has(m));
      if (have.length === 0 || have.length === up.length) continue;
      out.push(`${key} by [${have.join(',')}], not by [${up.filter((m) => !members.has(m)).join(',')}]`);
      if (out.length >= limit) break;
    }
    return out;
  }

  private undelivered(
    ctx: OutcomeContext,
    up: readonly Rank[],
    limit: number,
  ): { count: number; sample: string[] } {
    const sample: string[] = [];
    let count = 0;
    if (!this.cfg.livenessApplies) return { count, sample };
    for (const [sender, indexes] of this.multicasts) {
      if (!ctx.isUp(sender)) continue;
      for (const index of indexes) {
        const lacking = up.filter((m) => !this.deliveredIndex[m]?.has(`${sender}#${index}`));
        if (lacking.length === 0) continue;
        count++;
        if (sample.length < limit) sample.push(`${sender}#${index} not at [${lacking.join(',')}]`);
        if (sample.length >= limit && limit === 1) return { count, sample };
      }
    }
    return { count, sample };
  }

  private undetected(up: readonly Rank[], limit: number): string[] {
    const out: string[] = [];
    for (const [faulty, code] of this.required) {
      const blind = up.filter((m) => m !== faulty && !this.suspected[m]?.has(`${faulty}:${code}`));
      if (blind.length === 0) continue;
      out.push(`member ${faulty} not suspected (${code}) by correct members [${blind.join(',')}]`);
      if (out.length >= limit) break;
    }
    return out;
  }
}
