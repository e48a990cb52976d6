/**
 * What a group world must have reached by its end, once the network is stable: the properties
 * that say "eventually", judged over the members that are correct and still in the group at the
 * end (not crashed, not left, not excluded).
 *
 * - agreement: every message a correct member delivered is delivered by every correct member;
 * - liveness: every multicast of a correct member is delivered by every correct member, totally
 *   ordered ones included (the membership layer removes whoever stalls the order);
 * - membership liveness: every faulty member whose fault shows (plan.ts) and every crashed one is
 *   excluded from the final view of every correct member, and they all end in the same view.
 *
 * The same state tells the world when a run is complete, so runs end as soon as all of it holds.
 */
import type { Rank, SuspectCode } from '../../protocols/itua/index.js';
import { parseAppData, type GroupObservation } from './observations.js';

export interface OutcomeConfig {
  readonly n: number;
  isCorrect(rank: Rank): boolean;
  /** Faulty members that must end excluded (the code names the fault, for messages). */
  readonly required: ReadonlyMap<Rank, SuspectCode>;
}

export interface OutcomeContext {
  /** In the group: not crashed, not left, not excluded. */
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
  /** Per (view/sender:seq) message: the correct members that delivered it. */
  private readonly deliverers = new Map<string, Set<Rank>>();
  /** Per member: the last view it installed (id and members). */
  private readonly finalView: ({ id: number; members: readonly Rank[] } | undefined)[];
  private readonly required: Map<Rank, SuspectCode>;

  constructor(private readonly cfg: OutcomeConfig) {
    this.deliveredIndex = Array.from({ length: cfg.n }, () => new Set<string>());
    this.finalView = new Array(cfg.n).fill(undefined);
    this.required = new Map(cfg.required);
  }

  observe(obs: GroupObservation): void {
    const { cfg } = this;
    if (obs.kind === 'crash') {
      // A member that crashed is found by its silence, whatever else it was set to do.
      this.required.set(obs.member, 'HEARTBEAT_TIMEOUT');
    } else if (obs.kind === 'view') {
      this.finalView[obs.member] = { id: obs.view, members: obs.members };
    } else if (!cfg.isCorrect(obs.member)) {
      return;
    } else if (obs.kind === 'multicast') {
      const list = this.multicasts.get(obs.member) ?? [];
      list.push(obs.index);
      this.multicasts.set(obs.member, list);
    } else if (obs.kind === 'deliver') {
      const d = obs.delivery;
      const key = `${obs.view ?? 0}/${d.sender}:${d.seq}`;
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
      this.membership(up, 1).length === 0
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
    if (missing.count > 0 || !ctx.issuedAll) {
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
    for (const m of this.membership(up, 3)) found.push({ invariant: 'membership-liveness', message: m });
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

  /** Faulty members still in a correct member's view, and correct members in different views. */
  private membership(up: readonly Rank[], limit: number): string[] {
    const out: string[] = [];
    for (const [faulty, code] of this.required) {
      const keep = up.filter((m) => this.finalView[m]?.members.includes(faulty) ?? true);
      if (keep.length === 0) continue;
      out.push(`faulty member ${faulty} (${code}) still in the view of correct members [${keep.join(',')}]`);
      if (out.length >= limit) return out;
    }
    const views = new Set(up.map((m) => `${this.finalView[m]?.id}:${this.finalView[m]?.members.join(',')}`));
    if (views.size > 1) out.push(`correct members ended in different views: ${[...views].join(' | ')}`);
    return out;
  }
}
