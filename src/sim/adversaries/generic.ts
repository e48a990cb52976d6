/**
 * Behaviours that apply to any protocol: they work on frames and on the SMR envelope, not on a
 * protocol's own messages. Protocol-specific attacks (forged view changes, bad digests) live
 * with their protocol and plug in through the same interface.
 */
import { SeededRng } from '../../core/rng.js';
import type { Behaviour, Outgoing } from './behaviour.js';
import { hashBytes, mutantOf, mutateBytes } from './mutate.js';

const pass: Behaviour['rewrite'] = (_ctx, out) => [out];

/** Sends nothing at all. */
export const silent: Behaviour = { name: 'silent', rewrite: () => [] };

/** Crashes at a random time (the world schedules it); until then it behaves. */
export const crash: Behaviour = { name: 'crash', rewrite: pass };

/** Delays every frame by 0.5 to 1.5 times `slowMs`, so some arrive just before and some just after a timeout. */
export function slow(slowMs: number): Behaviour {
  return {
    name: 'slow',
    rewrite: (ctx, out) => [{ ...out, extraDelayMs: slowMs * (0.5 + ctx.rng.float()) }],
  };
}

/** Sends every frame twice. */
export const duplicate: Behaviour = { name: 'duplicate', rewrite: (_ctx, out) => [out, out] };

/** Behaves, and now and then resends an old frame of its own to a random node. */
export const replay: Behaviour = {
  name: 'replay',
  rewrite(ctx, out) {
    if (ctx.history.length === 0 || ctx.rng.float() >= 0.3) return [out];
    const old = ctx.history[ctx.rng.int(ctx.history.length)] as Outgoing;
    const to = ctx.nodes[ctx.rng.int(ctx.nodes.length)] ?? out.to;
    return [out, { to, bytes: old.bytes }];
  },
};

/** Behaves, and now and then sends a malformed frame (bit flips, truncations, garbage). */
export const malformed: Behaviour = {
  name: 'malformed',
  rewrite(ctx, out) {
    if (ctx.rng.float() >= 0.3) return [out];
    return [out, { to: out.to, bytes: mutateBytes(ctx.rng, out.bytes) }];
  },
};

/** Replaces frames by mutants: well-formed frames that say something else. */
export const mutant: Behaviour = {
  name: 'mutant',
  rewrite(ctx, out) {
    if (ctx.rng.float() >= 0.5) return [out];
    return [{ ...out, bytes: mutantOf(ctx.rng, ctx.codec, out.bytes) }];
  },
};

/**
 * Tells different nodes different things: for each message, the same mutant goes to the nodes
 * of odd id and the original to the others, so exactly two versions circulate.
 */
export const equivocate: Behaviour = {
  name: 'equivocate',
  rewrite(ctx, out) {
    if (out.to % 2 === 0) return [out];
    const rng = new SeededRng(hashBytes(out.bytes));
    return [{ ...out, bytes: mutantOf(rng, ctx.codec, out.bytes) }];
  },
};

/** Behaves, and also injects frames in other nodes' names (the channel authentication must refuse them). */
export const forge: Behaviour = {
  name: 'forge',
  rewrite(ctx, out) {
    if (ctx.rng.float() >= 0.3) return [out];
    const claimedFrom = ctx.nodes[ctx.rng.int(ctx.nodes.length)] ?? out.to;
    if (claimedFrom === ctx.self) return [out];
    return [out, { ...out, bytes: mutantOf(ctx.rng, ctx.codec, out.bytes), claimedFrom }];
  },
};

/** Corrupts the results of its replies to clients (the client must outvote it). */
export const corruptReply: Behaviour = {
  name: 'corrupt-reply',
  rewrite(ctx, out) {
    const decoded = ctx.codec.decode(out.bytes);
    if (!decoded.ok) return [out];
    const m = decoded.value as { kind: string; result?: Uint8Array };
    if (m.kind !== 'reply' || m.result === undefined) return [out];
    const result = new Uint8Array(Math.max(8, m.result.byteLength));
    for (let i = 0; i < result.byteLength; i++) result[i] = ctx.rng.int(256);
    return [{ ...out, bytes: ctx.codec.encode({ ...m, result }) }];
  },
};
