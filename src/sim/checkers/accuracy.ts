/**
 * Accuracy of suspicions: a correct replica never reports another correct replica. Protocols
 * suspect only on evidence (a bad MAC or signature, a conflicting message), which a correct
 * replica never produces; a false suspicion would later exclude a correct member.
 *
 * Exempt: a replica that restarted with no state (incarnation > 0). It may vote again, and
 * differently, in a view its earlier life voted in, so its messages do conflict; PBFT's recovery
 * (TOCS §4) avoids that by persisting the view or rejoining only in a later one, which Bulwark
 * does not do yet. Such a replica counts as faulty while it does so (still within f in the sweeps).
 */
import type { Checker } from './checker.js';

export function accuracyChecker(): Checker {
  return {
    name: 'accuracy',
    observe(obs, ctx) {
      if (obs.kind !== 'suspected' || !ctx.isCorrect(obs.by) || !ctx.isCorrect(obs.node)) return undefined;
      if (ctx.incarnation(obs.node) > 0) return undefined;
      return `correct replica ${obs.by} suspected correct replica ${obs.node} (${obs.code})`;
    },
  };
}
