/**
 * PBFT-specific attacks: behaviours that decode what a corrupt PBFT replica sends, build what a
 * Byzantine replica would send instead, and authenticate it with the node's own keys (so the
 * attack passes MAC and signature checks wherever an insider's could). The protocol object of the
 * corrupt node runs unchanged (STYLE.md: a decorator around the rules).
 *
 * - `equivocate`: tells odd-numbered replicas something else than the others: as primary, another
 *   batch for the same seq; as backup, prepares and commits, checkpoints, decided-claims and
 *   view-changes for other digests or contents.
 * - `bad-digest`: pre-prepares, prepares, commits, decided-claims and batches whose digest does
 *   not name the batch, properly authenticated.
 * - `forge-view-change`: view-changes with bogus P sets, forged signatures, fake checkpoint proofs
 *   or another replica's name; new-views whose pre-prepares do not follow from their view-changes,
 *   too few or tampered view-changes, forged signatures; and such messages injected unprompted.
 * - `forge-request`: as primary, adds to about half of its pre-prepares a request it made up in
 *   the name of a real client (a fresh id, a random op, an authenticator of random bytes or of
 *   MACs under its own keys), the same forged batch to every backup, properly authenticated: a
 *   backup that did not check the client's MAC would prepare, commit and execute it.
 * - `slow`: delays every frame by 0.6 to 1.4 times the time a backup waits for a request (the
 *   client's retransmission plus PBFT's request timeout), so some arrive just before and some
 *   just after the view change they would trigger.
 */
import { DIGEST_BYTES, MAC_BYTES, SIGNATURE_BYTES } from '../../core/crypto-suite.js';
import type { ClientRequest } from '../../core/env.js';
import { CLIENT_ID_MIN, isClientId } from '../../core/ids.js';
import type { SeededRng } from '../../core/rng.js';
import {
  authenticate,
  batchDigest,
  newViewBytes,
  signCheckpoint,
  viewChangeBytes,
} from '../../protocols/pbft/certificates.js';
import type {
  AuthBody,
  Entry,
  NewView,
  PbftMessage,
  PrePrepare,
  ViewChange,
} from '../../protocols/pbft/messages.js';
import { defaultTuning } from '../../protocols/pbft/timers.js';
import { authenticateRequest } from '../../smr/request-auth.js';
import type { AdversaryContext, Behaviour, Outgoing } from './behaviour.js';
import type { BehaviourFactory } from './index.js';

function decode(ctx: AdversaryContext, out: Outgoing): PbftMessage | undefined {
  const d = ctx.codec.decode(out.bytes);
  if (!d.ok) return undefined;
  const w = d.value as { kind: string; msg?: unknown };
  return w.kind === 'proto' ? (w.msg as PbftMessage) : undefined;
}

function replace(ctx: AdversaryContext, out: Outgoing, m: PbftMessage): Outgoing {
  return { ...out, bytes: ctx.codec.encode({ kind: 'proto', msg: m }) };
}

function randomBytes(rng: SeededRng, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = rng.int(256);
  return b;
}

function auth(ctx: AdversaryContext, body: AuthBody, to?: number): Uint8Array[] {
  return authenticate(ctx.crypto, ctx.replicas, ctx.self, body, to);
}

function signViewChange(ctx: AdversaryContext, vc: ViewChange): ViewChange {
  return { ...vc, sig: ctx.crypto.sign(viewChangeBytes(vc)) };
}

function signNewView(ctx: AdversaryContext, nv: NewView): NewView {
  return { ...nv, sig: ctx.crypto.sign(newViewBytes(nv)) };
}

/** Another batch of the same requests: reversed, or none (still a batch a correct client could have caused). */
function otherBatch(requests: readonly ClientRequest[]): ClientRequest[] {
  return requests.length >= 2 ? [...requests].reverse() : [];
}

/** What an equivocating replica tells the odd-numbered replicas instead of `m`. */
function equivocal(ctx: AdversaryContext, m: PbftMessage, to: number): PbftMessage | undefined {
  switch (m.kind) {
    case 'prePrepare': {
      const requests = otherBatch(m.requests);
      const digest = batchDigest(ctx.crypto, requests);
      const body = { kind: 'prePrepare', view: m.view, seq: m.seq, digest } as const;
      return { ...m, digest, requests, auth: auth(ctx, body) };
    }
    case 'prepare':
    case 'commit': {
      const digest = ctx.crypto.digest(m.digest);
      return { ...m, digest, auth: auth(ctx, { kind: m.kind, view: m.view, seq: m.seq, digest }) };
    }
    case 'decided': {
      const requests = otherBatch(m.requests);
      const digest = batchDigest(ctx.crypto, requests);
      return { ...m, digest, requests, auth: auth(ctx, { kind: 'decided', seq: m.seq, digest }, to) };
    }
    case 'checkpoint':
      return signCheckpoint(ctx.crypto, m.seq, ctx.crypto.digest(m.digest), m.replica);
    case 'viewChange':
      return signViewChange(ctx, { ...m, prepared: [], prePrepared: [] });
    default:
      return undefined;
  }
}

const equivocate: Behaviour = {
  name: 'equivocate',
  rewrite(ctx, out) {
    if (out.to % 2 === 0 || !ctx.replicas.includes(out.to)) return [out];
    const m = decode(ctx, out);
    const alt = m === undefined ? undefined : equivocal(ctx, m, out.to);
    return alt === undefined ? [out] : [replace(ctx, out, alt)];
  },
};

function withBadDigest(ctx: AdversaryContext, m: PbftMessage, to: number): PbftMessage | undefined {
  const digest = randomBytes(ctx.rng, DIGEST_BYTES);
  switch (m.kind) {
    case 'prePrepare':
    case 'prepare':
    case 'commit':
      return { ...m, digest, auth: auth(ctx, { kind: m.kind, view: m.view, seq: m.seq, digest }) };
    case 'decided':
      return { ...m, digest, auth: auth(ctx, { kind: 'decided', seq: m.seq, digest }, to) };
    case 'batch':
      return { ...m, digest };
    default:
      return undefined;
  }
}

const badDigest: Behaviour = {
  name: 'bad-digest',
  rewrite(ctx, out) {
    const m = decode(ctx, out);
    if (m === undefined || ctx.rng.float() >= 0.5) return [out];
    const bad = withBadDigest(ctx, m, out.to);
    return bad === undefined ? [out] : [replace(ctx, out, bad)];
  },
};

function bogusEntries(ctx: AdversaryContext, from: number, view: number, count: number): Entry[] {
  const out: Entry[] = [];
  for (let i = 1; i <= count; i++)
    out.push({ seq: from + i, digest: randomBytes(ctx.rng, DIGEST_BYTES), view: Math.max(0, view - 1) });
  return out;
}

/** A view-change with bogus contents: each variant must be refused, or decided around. */
function forgedViewChange(ctx: AdversaryContext, vc: ViewChange): ViewChange {
  switch (ctx.rng.int(5)) {
    case 0: {
      // Validly signed, claiming prepared batches nobody pre-prepared (A2 must refuse them).
      const prepared = bogusEntries(ctx, vc.stableSeq, vc.view, 1 + ctx.rng.int(8));
      return signViewChange(ctx, { ...vc, prepared, prePrepared: [] });
    }
    case 1:
      return { ...vc, sig: randomBytes(ctx.rng, SIGNATURE_BYTES) };
    case 2: {
      // A checkpoint far ahead with a proof of made-up signatures.
      const proof = ctx.replicas.slice(0, 2 * ctx.f + 1).map((replica) => ({
        replica,
        sig: randomBytes(ctx.rng, SIGNATURE_BYTES),
      }));
      const stableSeq = vc.stableSeq + defaultTuning.checkpointInterval * (1 + ctx.rng.int(4));
      const forged = {
        ...vc,
        stableSeq,
        stableDigest: randomBytes(ctx.rng, DIGEST_BYTES),
        proof,
        prepared: [],
        prePrepared: [],
      };
      return signViewChange(ctx, forged);
    }
    case 3: {
      // In another replica's name.
      const replica = ctx.replicas[ctx.rng.int(ctx.replicas.length)] ?? vc.replica;
      return { ...vc, replica, sig: randomBytes(ctx.rng, SIGNATURE_BYTES) };
    }
    default:
      // Entries from the view it asks for (only earlier views may appear).
      return signViewChange(ctx, { ...vc, prepared: bogusEntries(ctx, vc.stableSeq, vc.view + 2, 2) });
  }
}

/** A new-view that does not follow from its view-changes, or is not what it claims. */
function forgedNewView(ctx: AdversaryContext, nv: NewView): NewView {
  const slots = [...nv.prePrepares];
  switch (ctx.rng.int(5)) {
    case 0: {
      const last = slots.at(-1)?.seq ?? nv.viewChanges[0]?.stableSeq ?? 0;
      if (slots.length > 0 && ctx.rng.float() < 0.5) slots.pop();
      else slots.push({ seq: last + 1, digest: randomBytes(ctx.rng, DIGEST_BYTES) });
      return signNewView(ctx, { ...nv, prePrepares: slots });
    }
    case 1: {
      if (slots.length === 0) return signNewView(ctx, { ...nv, viewChanges: nv.viewChanges.slice(0, ctx.f) });
      const i = ctx.rng.int(slots.length);
      slots[i] = { seq: slots[i]?.seq ?? 1, digest: randomBytes(ctx.rng, DIGEST_BYTES) };
      return signNewView(ctx, { ...nv, prePrepares: slots });
    }
    case 2:
      return signNewView(ctx, { ...nv, viewChanges: nv.viewChanges.slice(0, ctx.f) });
    case 3: {
      const viewChanges = nv.viewChanges.map((vc, i) =>
        i === 0 ? { ...vc, prepared: bogusEntries(ctx, vc.stableSeq, vc.view, 2) } : vc,
      );
      return signNewView(ctx, { ...nv, viewChanges });
    }
    default:
      return { ...nv, sig: randomBytes(ctx.rng, SIGNATURE_BYTES) };
  }
}

function viewOf(m: PbftMessage): number {
  return 'view' in m ? m.view : 0;
}

/** Unprompted: a view-change for the next view, or a new-view for it in someone's name. */
function injected(ctx: AdversaryContext, view: number): PbftMessage {
  const zero = new Uint8Array(DIGEST_BYTES);
  const vc: ViewChange = {
    kind: 'viewChange',
    view,
    replica: ctx.self,
    stableSeq: 0,
    stableDigest: zero,
    proof: [],
    prepared: [],
    prePrepared: [],
    sig: new Uint8Array(SIGNATURE_BYTES),
  };
  if (ctx.rng.float() < 0.5) return forgedViewChange(ctx, signViewChange(ctx, vc));
  const viewChanges = ctx.replicas.slice(0, 2 * ctx.f + 1).map((replica) => ({ ...vc, replica }));
  const nv: NewView = { kind: 'newView', view, viewChanges, prePrepares: [], sig: vc.sig };
  return signNewView(ctx, nv);
}

function forgeViewChange(): Behaviour {
  let view = 0;
  return {
    name: 'forge-view-change',
    rewrite(ctx, out) {
      const m = decode(ctx, out);
      if (m === undefined) return [out];
      view = Math.max(view, viewOf(m));
      if (m.kind === 'viewChange') return [replace(ctx, out, forgedViewChange(ctx, m))];
      if (m.kind === 'newView') return [replace(ctx, out, forgedNewView(ctx, m))];
      if (!ctx.replicas.includes(out.to) || ctx.rng.float() >= 0.03) return [out];
      return [out, replace(ctx, { to: out.to, bytes: out.bytes }, injected(ctx, view + 1))];
    },
  };
}

/** Request ids above any a simulated client reaches (client-core ids start at 1 + life * 1e6). */
const FORGED_ID_BASE = 900_000_000;

/** A request in a real client's name that the client never sent; its MACs are not the client's. */
function forgedRequest(ctx: AdversaryContext, requestId: number): ClientRequest {
  const clients = ctx.nodes.filter((id) => isClientId(id));
  const client = clients[ctx.rng.int(clients.length)] ?? CLIENT_ID_MIN;
  const op = randomBytes(ctx.rng, 1 + ctx.rng.int(16));
  const core = { client, requestId, lowWater: 0, readOnly: false, op };
  const auth =
    ctx.rng.float() < 0.5
      ? ctx.replicas.map(() => randomBytes(ctx.rng, MAC_BYTES))
      : authenticateRequest(ctx.crypto, ctx.replicas, core);
  return { ...core, auth };
}

/** Forged pre-prepares by (view, seq): every backup must get the same one to prepare it. */
const FORGED_KEPT_MAX = 1024;

function forgeRequest(): Behaviour {
  const forged = new Map<string, PbftMessage | undefined>();
  let nextId = FORGED_ID_BASE;
  const forgedFor = (ctx: AdversaryContext, m: PrePrepare): PbftMessage | undefined => {
    const key = `${m.view}:${m.seq}`;
    if (forged.has(key)) return forged.get(key);
    let alt: PbftMessage | undefined;
    if (ctx.rng.float() < 0.5) {
      const requests = [...m.requests, forgedRequest(ctx, nextId++)];
      const digest = batchDigest(ctx.crypto, requests);
      const body = { kind: 'prePrepare', view: m.view, seq: m.seq, digest } as const;
      alt = { ...m, digest, requests, auth: auth(ctx, body) };
    }
    if (forged.size >= FORGED_KEPT_MAX) forged.delete(forged.keys().next().value as string);
    forged.set(key, alt);
    return alt;
  };
  return {
    name: 'forge-request',
    rewrite(ctx, out) {
      const m = decode(ctx, out);
      // Only its own pre-prepares, as primary (a relayed one of another primary keeps that one's MACs).
      if (m?.kind !== 'prePrepare' || ctx.replicas[m.view % ctx.replicas.length] !== ctx.self) return [out];
      const alt = forgedFor(ctx, m);
      return alt === undefined ? [out] : [replace(ctx, out, alt)];
    },
  };
}

/** A backup waits for a request from the client's first retransmission to its request timeout. */
function slow(slowMs: number): Behaviour {
  const around = defaultTuning.requestTimeoutMs + slowMs / 2;
  return {
    name: 'slow',
    rewrite: (ctx, out) => [{ ...out, extraDelayMs: around * (0.6 + 0.8 * ctx.rng.float()) }],
  };
}

export const pbftBehaviours: Readonly<Record<string, BehaviourFactory>> = {
  equivocate: () => equivocate,
  'bad-digest': () => badDigest,
  'forge-view-change': () => forgeViewChange(),
  'forge-request': () => forgeRequest(),
  slow: (o) => slow(o.slowMs),
};
