/**
 * Attacks on run-time switching (smr/switching/README.md, "What is refused"), by a Byzantine
 * replica that holds only its own keys:
 * - `forge-reconfig`: sends a reconfiguration it signed itself, as a request in its own name, as
 *   an epoch-info for the next epoch, and as messages of the next epoch, hoping to move the
 *   cluster (or one replica) to an epoch of its choosing;
 * - `replay-reconfig`: replays, later, its own frames that carried the administrator's command
 *   (a forwarded request, a proposal), into the epochs after it.
 * Neither may change what correct replicas execute: the run's checkers judge that.
 */
import { codec, type Codec } from '../../codec/frame.js';
import type { Schema } from '../../codec/schema.js';
import { DIGEST_BYTES } from '../../core/crypto-suite.js';
import { encodeCommandOp, SYSTEM_OP_PREFIX } from '../../smr/switching/index.js';
import type { SwitchingMessage } from '../../smr/switching/messages.js';
import { wireSchema, type Wire } from '../../smr/messages.js';
import { authenticateRequest } from '../../smr/request-auth.js';
import type { AdversaryContext, Behaviour, Outgoing } from './behaviour.js';
import type { BehaviourFactory } from './index.js';

/** The epoch a frame belongs to, if it is a switching layer's message. */
function epochOf(codec: Codec<unknown>, bytes: Uint8Array): number | undefined {
  const d = (codec as Codec<Wire<SwitchingMessage>>).decode(bytes);
  if (!d.ok || d.value.kind !== 'proto') return undefined;
  return d.value.msg.epoch;
}

function forgedOp(ctx: AdversaryContext, epoch: number): Uint8Array {
  // Signed with this replica's own key: the only signature it can make.
  return encodeCommandOp(ctx.crypto, {
    nextEpoch: epoch,
    protocol: 'sequencer',
    members: [ctx.self],
    atSeq: 0,
    tuning: [],
    nonce: ctx.rng.int(1 << 30),
  });
}

function forgeries(ctx: AdversaryContext, out: Outgoing, epoch: number): Outgoing[] {
  const enc = (m: Wire<SwitchingMessage>) => (ctx.codec as Codec<Wire<SwitchingMessage>>).encode(m);
  const op = forgedOp(ctx, epoch + 1);
  const requestId = 1 + ctx.rng.int(1 << 30);
  const core = { client: ctx.self, requestId, lowWater: requestId - 1, readOnly: false, op };
  const auth = authenticateRequest(ctx.crypto, ctx.replicas, core);
  const info: SwitchingMessage = {
    kind: 'epoch-info',
    epoch: epoch + 1,
    op,
    base: 1,
    digest: new Uint8Array(DIGEST_BYTES),
  };
  const body = new Uint8Array(1 + ctx.rng.int(32));
  return [
    { to: out.to, bytes: enc({ kind: 'request', ...core, auth }) },
    { to: out.to, bytes: enc({ kind: 'proto', msg: info }) },
    { to: out.to, bytes: enc({ kind: 'proto', msg: { kind: 'inner', epoch: epoch + 1, body } }) },
  ];
}

export const forgeReconfig: Behaviour = {
  name: 'forge-reconfig',
  rewrite(ctx, out) {
    if (ctx.rng.float() >= 0.05) return [out];
    const epoch = epochOf(ctx.codec, out.bytes);
    if (epoch === undefined) return [out];
    return [out, ...forgeries(ctx, out, epoch)];
  },
};

function carriesCommand(bytes: Uint8Array): boolean {
  const p = SYSTEM_OP_PREFIX;
  outer: for (let i = 0; i + p.byteLength <= bytes.byteLength; i++) {
    for (let j = 0; j < p.byteLength; j++) if (bytes[i + j] !== p[j]) continue outer;
    return true;
  }
  return false;
}

/** Frames that carried the administrator's command, kept for replays (bounded). */
const carried = new WeakMap<readonly Outgoing[], Outgoing[]>();

export const replayReconfig: Behaviour = {
  name: 'replay-reconfig',
  rewrite(ctx, out) {
    let kept = carried.get(ctx.history);
    if (kept === undefined) carried.set(ctx.history, (kept = []));
    if (carriesCommand(out.bytes) && kept.length < 64) kept.push(out);
    if (kept.length === 0 || ctx.rng.float() >= 0.2) return [out];
    const old = kept[ctx.rng.int(kept.length)] as Outgoing;
    const to = ctx.replicas[ctx.rng.int(ctx.replicas.length)] ?? out.to;
    return [out, { to, bytes: old.bytes, extraDelayMs: 500 + ctx.rng.float() * 2_000 }];
  },
};

export const switchingBehaviours: Readonly<Record<string, BehaviourFactory>> = {
  'forge-reconfig': () => forgeReconfig,
  'replay-reconfig': () => replayReconfig,
};

/**
 * A protocol's own attacks on a replica that runs it under the switching layer (every replica
 * process does): the behaviour sees the frame as that protocol's wire frame, and what it sends
 * is put back into the epoch it came from. Frames it cannot read (another epoch's protocol) pass
 * unchanged.
 */
export function withinEpochs(b: Behaviour, inner: Schema<unknown>): Behaviour {
  const innerWire = codec(wireSchema(inner)) as Codec<Wire<unknown>>;
  const body = codec(inner);
  return {
    name: b.name,
    rewrite(ctx, out) {
      const outer = ctx.codec as Codec<Wire<SwitchingMessage>>;
      const d = outer.decode(out.bytes);
      if (!d.ok) return [out];
      let epoch = 0;
      let frame: Uint8Array;
      if (d.value.kind === 'proto') {
        if (d.value.msg.kind !== 'inner') return [out];
        const m = body.decode(d.value.msg.body);
        if (!m.ok) return [out];
        epoch = d.value.msg.epoch;
        frame = innerWire.encode({ kind: 'proto', msg: m.value });
      } else frame = innerWire.encode(d.value as Wire<unknown>);
      return b.rewrite({ ...ctx, codec: innerWire as Codec<unknown> }, { ...out, bytes: frame }).map((o) => {
        const x = innerWire.decode(o.bytes);
        if (!x.ok) return o;
        if (x.value.kind !== 'proto') return { ...o, bytes: outer.encode(x.value as Wire<SwitchingMessage>) };
        const msg: SwitchingMessage = { kind: 'inner', epoch, body: body.encode(x.value.msg) };
        return { ...o, bytes: outer.encode({ kind: 'proto', msg }) };
      });
    },
  };
}
