/**
 * The faults of seed 003's Table III ("Faults Injected during View Installation to Obtain a
 * Transitional View"), as rewrites of what a corrupt member sends during a view installation.
 * Its membership layer runs unchanged; these decorate its frames. The first four act when the
 * member leads the installation (the group simulator gives such members the lowest ranks: see
 * sim/group/plan.ts); the last two act in any member of the next view.
 *
 * - `bad-new-view`: its New-View carries no justification (fewer than f+1 signed Suspects);
 * - `new-view-timeout`: it never sends its New-View;
 * - `bad-commit`: its Commit carries f acknowledgements (fewer than 2f+1);
 * - `commit-timeout`: it never sends its Commit;
 * - `ready-to-switch-timeout`: it never sends Ready-to-Switch;
 * - `impede-stabilization`: its Ready-to-Switch claims messages that were never multicast (three
 *   more of every sender than it holds), and it can never resend them.
 */
import type { GroupWire } from '../../protocols/itua/index.js';
import type { AdversaryContext, Behaviour, Outgoing } from './behaviour.js';

function decode(ctx: AdversaryContext, out: Outgoing): GroupWire | undefined {
  const r = ctx.codec.decode(out.bytes);
  return r.ok ? (r.value as GroupWire) : undefined;
}

/** A behaviour that rewrites (or drops, with undefined) the member's own messages of one kind. */
function rewriting<K extends GroupWire['kind']>(
  name: string,
  kind: K,
  rewrite: (ctx: AdversaryContext, m: Extract<GroupWire, { kind: K }>) => GroupWire | undefined,
): Behaviour {
  return {
    name,
    rewrite(ctx, out) {
      const m = decode(ctx, out);
      if (m?.kind !== kind) return [out];
      const changed = rewrite(ctx, m as Extract<GroupWire, { kind: K }>);
      return changed === undefined ? [] : [{ ...out, bytes: ctx.codec.encode(changed) }];
    },
  };
}

/** Claimed messages beyond what the member holds, per sender. */
const CLAIM_EXTRA = 3;

export const badNewView = rewriting('bad-new-view', 'gm-new-view', (_ctx, m) => ({
  ...m,
  justification: [],
}));

export const newViewTimeout = rewriting('new-view-timeout', 'gm-new-view', () => undefined);

export const badCommit = rewriting('bad-commit', 'gm-commit', (ctx, m) => ({
  ...m,
  acks: m.acks.slice(0, ctx.f),
}));

export const commitTimeout = rewriting('commit-timeout', 'gm-commit', () => undefined);

export const readyToSwitchTimeout = rewriting('ready-to-switch-timeout', 'gm-ready', () => undefined);

export const impedeStabilization = rewriting('impede-stabilization', 'gm-ready', (_ctx, m) => ({
  ...m,
  counts: m.counts.map((c) => c + CLAIM_EXTRA),
}));
