/**
 * What a corrupt node actually sends: each frame rewritten by its behaviours in order, and what
 * goes out remembered (boundedly) as material for replays. The simulator's worlds and fault
 * injection over TCP all send through this one function.
 */
import type { AdversaryContext, Behaviour, Outgoing } from './behaviour.js';

/** Frames a corrupt node remembers for replays. */
export const HISTORY_MAX = 256;

export function applyBehaviours(
  behaviours: readonly Behaviour[],
  ctx: AdversaryContext,
  history: Outgoing[],
  out: Outgoing,
): Outgoing[] {
  let outs: Outgoing[] = [out];
  for (const b of behaviours) outs = outs.flatMap((o) => b.rewrite(ctx, o));
  for (const o of outs) {
    history.push(o);
    if (history.length > HISTORY_MAX) history.shift();
  }
  return outs;
}
