/**
 * ITUA-specific attacks (seed 003, "Results for Group Membership": the faults injected besides
 * crashes), as rewrites of what a corrupt member sends: the member's protocol objects run
 * unchanged, and these decorate their frames. Each must end with the member suspected by every
 * correct member (the group simulator's detection checker holds them to it).
 *
 * - `mutant`: "the corrupted process sends two messages with the same sequence number but with
 *   different contents". For every other multicast, one other member (a different one each
 *   time) gets the signed digest of another message under the same number, while the rest
 *   get the real one; the lie rides along with the next frames to that member too, as a liar
 *   that wants to be heard would do. The real message still gathers its certificate from the others, so the
 *   member's stream goes on; the one deceived holds two signed digests once the real message
 *   reaches it, and its proof reaches everyone.
 * - `impede-total-order`: "the total ordering layer in the corrupted process does not send the
 *   required null messages". Its null messages never leave it (their digests do), so its stream,
 *   and with it the order, stops at its first null.
 */
import { bodyCodec, messageDigest, signDigest, type ItuaMessage } from '../../protocols/itua/index.js';
import type { AdversaryContext, Behaviour, Outgoing } from './behaviour.js';
import type { BehaviourFactory } from './index.js';
import {
  badCommit,
  badNewView,
  commitTimeout,
  impedeStabilization,
  newViewTimeout,
  readyToSwitchTimeout,
} from './itua-membership.js';

function decode(ctx: AdversaryContext, out: Outgoing): ItuaMessage | undefined {
  const r = ctx.codec.decode(out.bytes);
  return r.ok ? (r.value as ItuaMessage) : undefined;
}

/**
 * A member's rank changes from view to view, and frames do not name their sender; but every
 * `rm-digest` a member sends is its own (phase 1 has no relays), so it tells the member's rank in
 * its view. One map per corrupt member (behaviours are made per member).
 */
function ownRanks(): (ctx: AdversaryContext, m: ItuaMessage | undefined) => number | undefined {
  const byView = new Map<number, number>();
  return (ctx, m) => {
    if (m === undefined) return undefined;
    if (m.kind === 'rm-digest') byView.set(m.view, m.sender);
    return byView.get(m.view) ?? (m.view === 0 ? ctx.replicas.indexOf(ctx.self) : undefined);
  };
}

/** How many later frames to its victim each lie rides along with, so that loss does not swallow it. */
const LIE_REPEATS = 8;

/** A mutant keeps the lies it told, per victim, to tell them again (one behaviour per member). */
export function ituaMutant(): Behaviour {
  const lies = new Map<number, { bytes: Uint8Array; left: number }[]>();
  const rankIn = ownRanks();
  return {
    name: 'mutant',
    rewrite(ctx, out) {
      const again = retell(lies, out);
      const m = decode(ctx, out);
      const lie = lieFor(ctx, out, m, rankIn(ctx, m));
      if (lie === undefined) return [out, ...again];
      const told = lies.get(out.to) ?? [];
      told.push({ bytes: lie, left: LIE_REPEATS });
      lies.set(out.to, told);
      return [{ ...out, bytes: lie }, ...again];
    },
  };
}

/** The lies still to be told again to `out.to`, sent with this frame. */
function retell(lies: Map<number, { bytes: Uint8Array; left: number }[]>, out: Outgoing): Outgoing[] {
  const told = lies.get(out.to);
  if (told === undefined) return [];
  const again = told.map((l) => ({ to: out.to, bytes: l.bytes }));
  for (const l of told) l.left--;
  lies.set(
    out.to,
    told.filter((l) => l.left > 0),
  );
  return again;
}

/**
 * The lie for this frame, if it is a digest of my own multicast to this multicast's victim: every
 * other multicast has one, a different member each time, so at n >= 7 some members learn of the
 * lie only from a victim's proof, and a crashed victim does not hide it for good.
 */
function lieFor(
  ctx: AdversaryContext,
  out: Outgoing,
  m: ItuaMessage | undefined,
  self: number | undefined,
): Uint8Array | undefined {
  if (m?.kind !== 'rm-digest' || m.sender !== self || m.seq % 2 !== 1) return undefined;
  const others = ctx.replicas.filter((node) => node !== ctx.self);
  const victim = others[((m.seq - 1) / 2) % others.length];
  if (victim === undefined || victim !== out.to) return undefined;
  // The same other message every time, so the victim sees one lie, consistently.
  const body = bodyCodec.encode({
    kind: 'fifo',
    data: Uint8Array.of(0x6d, self & 0xff, m.seq & 0xff, (m.seq >> 8) & 0xff),
  });
  const id = { view: m.view, sender: m.sender, seq: m.seq };
  const signed = signDigest(ctx.crypto, id, messageDigest(ctx.crypto, id, body));
  return ctx.codec.encode({ ...m, ...signed });
}

export function impedeTotalOrder(): Behaviour {
  const rankIn = ownRanks();
  return {
    name: 'impede-total-order',
    rewrite(ctx, out) {
      const m = decode(ctx, out);
      const self = rankIn(ctx, m);
      if (m?.kind !== 'rm-message' || m.sender !== self) return [out];
      const body = bodyCodec.decode(m.body);
      return body.ok && body.value.kind === 'null' ? [] : [out];
    },
  };
}

export const ituaBehaviours: Readonly<Record<string, BehaviourFactory>> = {
  mutant: () => ituaMutant(),
  'impede-total-order': () => impedeTotalOrder(),
  'bad-new-view': () => badNewView,
  'new-view-timeout': () => newViewTimeout,
  'bad-commit': () => badCommit,
  'commit-timeout': () => commitTimeout,
  'ready-to-switch-timeout': () => readyToSwitchTimeout,
  'impede-stabilization': () => impedeStabilization,
};
