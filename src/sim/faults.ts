/**
 * Which nodes are faulty in a run and how: the `--byzantine "ID:BEHAVIOR,…"` specification,
 * parsed strictly, and the crash schedule drawn for `--crashes`.
 */
import { err, ok, type Result } from '../core/result.js';
import type { SeededRng } from '../core/rng.js';
import type { NodeId } from '../core/ids.js';
import { behaviourNamesFor } from './adversaries/index.js';

export type ByzantineSpec = ReadonlyMap<NodeId, readonly string[]>;

/** Parses "1:equivocate,2:silent,1:replay" (a node may have several behaviours) for a protocol. */
export function parseByzantine(
  spec: string | undefined,
  n: number,
  protocol: string,
): Result<ByzantineSpec, string> {
  const out = new Map<NodeId, string[]>();
  const known = behaviourNamesFor(protocol);
  if (spec === undefined || spec.trim() === '') return ok(out);
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*:\s*([a-z-]+)\s*$/.exec(part);
    if (m === null) return err(`bad --byzantine entry '${part}': expected ID:BEHAVIOR`);
    const id = Number(m[1]);
    const name = m[2] as string;
    if (id >= n) return err(`--byzantine names replica ${id}, but replicas are 0..${n - 1}`);
    if (!known.includes(name))
      return err(`unknown behaviour '${name}' for ${protocol}; known: ${known.join(', ')}`);
    const list = out.get(id) ?? [];
    list.push(name);
    out.set(id, list);
  }
  return ok(out);
}

export interface CrashPlan {
  readonly node: NodeId;
  readonly atMs: number;
  /** When it comes back with no state, or undefined if it stays down. */
  readonly restartAtMs: number | undefined;
}

/**
 * Crashes for `--crashes`: up to max(f, 1) correct replicas, each at a random time before
 * stabilization. A replica restarts (with no state) before stabilization only when the
 * protocol can recover from amnesia; otherwise it stays down, which is a fault the protocol
 * cannot mask when f = 0, and the liveness checker then reports it.
 */
export function planCrashes(
  rng: SeededRng,
  candidates: readonly NodeId[],
  count: number,
  stableAtMs: number,
  restarts: boolean,
): CrashPlan[] {
  const pool = [...candidates];
  const plans: CrashPlan[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) {
    const node = pool.splice(rng.int(pool.length), 1)[0] as NodeId;
    const atMs = rng.float() * stableAtMs * 0.6;
    const restartAtMs = restarts ? atMs + 50 + rng.float() * (stableAtMs - atMs) * 0.5 : undefined;
    plans.push({ node, atMs, restartAtMs });
  }
  return plans;
}
