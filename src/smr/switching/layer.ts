/**
 * The switching layer (README.md): an ordering protocol that hosts one inner protocol instance
 * per epoch and maps each epoch's batches onto one gap-free global sequence. It judges the
 * reconfiguration commands smr executes (system-service.ts), ends an epoch at the agreed seq,
 * starts the next instance from the checkpoint taken there, and brings a replica that fell
 * behind into the current epoch on the word of f+1 peers.
 */
import { codec, type Codec } from '../../codec/frame.js';
import type {
  ClientRequest,
  Env,
  OrderedBatch,
  OrderingDelivery,
  OrderingProtocol,
  ProtocolStatus,
  TimerKey,
} from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { decodeCommandOp, verifyCommand } from './command.js';
import { FutureBuffer, fromEpochAuth, InfoVotes, PendingRequests, toEpochAuth } from './buffers.js';
import { describeEpoch, epochOf, type EpochSpec, type SwitchRecord } from './epoch.js';
import type { EpochInfo, SwitchingMessage } from './messages.js';
import type { SwitchingOptions } from './options.js';
import type { SystemHooks, SystemService } from './system-service.js';
import { hex } from '../../core/bytes.js';

type Inner = OrderingProtocol<unknown>;

/** One epoch as this replica runs it. */
interface Running {
  readonly spec: EpochSpec;
  /** Undefined when this replica is not a member of the epoch. */
  inner: Inner | undefined;
  readonly codec: Codec<unknown>;
  /** What this replica tells a peer still in an earlier epoch (undefined for epoch 0). */
  readonly info: EpochInfo | undefined;
  /** Waiting for the state at `base` (it joined from behind): batches wait in `held`. */
  gated: boolean;
  readonly held: OrderedBatch[];
}

const PROBE_TIMER = 'sw.probe';
const RETIRE_TIMER = 'sw.retire';
const HELD_MAX = 4096;

export class SwitchingLayer implements OrderingProtocol<SwitchingMessage>, SystemHooks {
  private cur: Running;
  /**
   * The previous epoch's instance, kept for a while after the switch: it delivers nothing, but it
   * still answers peers that have not reached the end of its epoch (retransmissions, fetches), so
   * a replica that lost the last batches of an epoch can get them and switch in its turn.
   */
  private retired: Running | undefined;
  private lastExecuted = 0;
  private readonly future = new FutureBuffer();
  private readonly pending = new PendingRequests();
  private leftovers: ClientRequest[] = [];
  private readonly votes = new InfoVotes();
  private readonly laterSenders = new Set<NodeId>();
  private queriedAtMs = -Infinity;
  /** Digests of checkpoints the inner protocol asked smr to fetch: seq → digest. */
  private readonly fetched = new Map<number, Uint8Array>();
  private switches = 0;

  constructor(
    private readonly env: Env<SwitchingMessage, TimerKey, OrderingDelivery>,
    private readonly service: SystemService,
    private readonly o: SwitchingOptions,
  ) {
    const first = o.initial;
    const module = o.protocols.get(first.protocol);
    const f = module?.maxFaults(first.members.length) ?? 0;
    const spec = {
      epoch: 0,
      protocol: first.protocol,
      members: first.members,
      f,
      tuning: first.tuning,
      base: 0,
    };
    this.cur = this.makeRunning(spec, undefined, false);
    service.hooks = this;
  }

  start(): void {
    this.cur.inner?.start();
    this.env.setTimer(this.o.probeMs, { kind: PROBE_TIMER });
  }

  /** The current epoch (for status pages and tests). */
  get epoch(): EpochSpec {
    return this.cur.spec;
  }

  submit(request: ClientRequest): void {
    const inner = this.cur.inner;
    if (inner === undefined) return;
    this.pending.add(request);
    inner.submit(toEpochAuth(request, this.cur.spec.members, this.o.hosts));
  }

  onMessage(from: NodeId, m: SwitchingMessage): void {
    switch (m.kind) {
      case 'inner':
        return this.onInner(from, m.epoch, m.body);
      case 'epoch-query':
        if (this.cur.info !== undefined && m.epoch < this.cur.spec.epoch && this.o.hosts.includes(from))
          this.env.send(from, this.cur.info);
        return;
      case 'epoch-info':
        return this.onInfo(from, m);
    }
  }

  onTimer(timer: TimerKey): void {
    if (timer.kind === PROBE_TIMER) return this.probe();
    if (timer.kind === RETIRE_TIMER) {
      if (this.retired?.spec.epoch === timer.epoch) this.retired = undefined;
      return;
    }
    const { swEpoch, ...rest } = timer;
    if (swEpoch === this.cur.spec.epoch) this.cur.inner?.onTimer(rest as TimerKey);
    else if (swEpoch === this.retired?.spec.epoch) this.retired?.inner?.onTimer(rest as TimerKey);
  }

  /** smr asks where to checkpoint: at the end of an epoch, and every interval from an epoch's base. */
  checkpointAt(seq: number): boolean {
    const rec = this.service.record;
    if (rec.epoch > this.cur.spec.epoch && seq === rec.endSeq) return true;
    const k = this.o.checkpointInterval;
    return k > 0 && seq > this.cur.spec.base && (seq - this.cur.spec.base) % k === 0;
  }

  onExecuted(seq: number, digest: Uint8Array | undefined): void {
    this.lastExecuted = seq;
    const { inner, spec } = this.cur;
    if (inner !== undefined && seq > spec.base) inner.onExecuted(seq - spec.base, digest);
    this.maybeSwitch(digest);
  }

  onStateInstalled(seq: number): void {
    this.lastExecuted = seq;
    const rec = this.service.record;
    if (rec.epoch > this.cur.spec.epoch && seq === rec.endSeq) return this.maybeSwitch(this.fetched.get(seq));
    const r = this.cur;
    if (seq < r.spec.base) return;
    if (r.inner !== undefined && seq > r.spec.base) r.inner.onStateInstalled(seq - r.spec.base);
    if (r.gated) this.release(r);
  }

  leaderHint(): NodeId {
    return this.cur.inner?.leaderHint?.() ?? this.cur.spec.members[0] ?? this.env.self;
  }

  status(): ProtocolStatus {
    const inner = this.cur.inner?.status?.() ?? {};
    const counters = { ...inner.counters, epoch: this.cur.spec.epoch, switches: this.switches };
    return { ...inner, counters };
  }

  // System ops (system-service.ts).

  judge(op: Uint8Array, seq: number, record: SwitchRecord): { record: SwitchRecord; verdict: string } {
    const refuse = (why: string) => ({ record, verdict: `refused: ${why}` });
    const d = decodeCommandOp(op);
    if (!d.ok) return refuse(d.error);
    if (!verifyCommand(this.env.crypto, this.o.admin, d.value))
      return refuse('not signed by the administrator');
    const c = d.value.command;
    if (c.nextEpoch !== record.epoch + 1)
      return refuse(`epoch ${c.nextEpoch} is not the next one (${record.epoch + 1})`);
    if (record.epoch > 0 && seq <= record.endSeq)
      return refuse(`the switch to epoch ${record.epoch} is pending`);
    if (c.atSeq > seq + this.o.atSeqAheadMax)
      return refuse(`seq ${c.atSeq} is more than ${this.o.atSeqAheadMax} ahead of ${seq}`);
    const spec = epochOf(c, Math.max(seq, c.atSeq), this.o);
    if (!spec.ok) return refuse(spec.error);
    return {
      record: { epoch: c.nextEpoch, op, endSeq: spec.value.base },
      verdict: describeEpoch(spec.value),
    };
  }

  restored(): void {
    // The layer reads the record when smr reports the install (onStateInstalled).
  }

  // Epochs.

  /** The ordered switch is due: this replica executed (or installed) up to its seq. */
  private maybeSwitch(digest: Uint8Array | undefined): void {
    const rec = this.service.record;
    if (rec.epoch <= this.cur.spec.epoch || this.lastExecuted !== rec.endSeq) return;
    const d = decodeCommandOp(rec.op);
    const spec = d.ok ? epochOf(d.value.command, rec.endSeq, this.o) : undefined;
    if (spec === undefined || !spec.ok || digest === undefined) {
      // A judged command always decodes; a missing digest means smr took no checkpoint here: our bug.
      this.env.log.log('error', 'switch-impossible', { epoch: rec.epoch, seq: rec.endSeq });
      return;
    }
    const info: EpochInfo = { kind: 'epoch-info', epoch: rec.epoch, op: rec.op, base: rec.endSeq, digest };
    this.enter(spec.value, info, false);
  }

  /** Stop the current instance and start the epoch's (gated: the state at its base is on its way). */
  private enter(spec: EpochSpec, info: EpochInfo, gated: boolean): void {
    const old = this.cur;
    this.leftovers.push(...this.pending.drain());
    this.cur = this.makeRunning(spec, info, gated);
    this.retired = old.inner !== undefined && !old.gated ? old : undefined;
    if (this.retired !== undefined)
      this.env.setTimer(this.o.retireMs, { kind: RETIRE_TIMER, epoch: old.spec.epoch });
    this.switches++;
    this.votes.clear();
    this.laterSenders.clear();
    this.env.log.log('info', 'epoch-start', {
      epoch: spec.epoch,
      protocol: spec.protocol,
      from: old.spec.epoch,
      base: spec.base,
      member: this.cur.inner !== undefined,
    });
    const r = this.cur;
    r.inner?.start();
    for (const m of this.future.take(spec.epoch)) this.onInner(m.from, m.epoch, m.body);
    const again = this.leftovers;
    this.leftovers = [];
    if (this.cur === r) for (const q of again) this.submit(q);
  }

  private makeRunning(spec: EpochSpec, info: EpochInfo | undefined, gated: boolean): Running {
    const module = this.o.protocols.get(spec.protocol);
    const r: Running = {
      spec,
      inner: undefined,
      codec: codec(module?.schema ?? this.o.protocols.values().next().value!.schema),
      info,
      gated,
      held: [],
    };
    if (module !== undefined && spec.members.includes(this.env.self)) {
      const config = { members: spec.members, f: spec.f, role: 'active' as const, tuning: spec.tuning };
      r.inner = module.create(this.innerEnv(r), config);
    }
    return r;
  }

  // Deliveries of an inner instance.

  private onDelivery(r: Running, d: OrderingDelivery): void {
    if (r !== this.cur) {
      // A retired instance's batches are past its epoch's end: the current instance orders them.
      if (d.kind === 'batch') for (const q of d.requests) this.submit(fromEpochAuth(q, r.spec.members));
      return;
    }
    const base = r.spec.base;
    if (d.kind === 'checkpoint-stable') return this.env.deliver({ ...d, seq: base + d.seq });
    if (d.kind === 'state-needed') {
      this.remember(base + d.seq, d.digest);
      return this.env.deliver({ ...d, seq: base + d.seq });
    }
    const batch: OrderedBatch = { ...d, seq: base + d.seq };
    const rec = this.service.record;
    if (rec.epoch > r.spec.epoch && batch.seq > rec.endSeq) {
      // Past the end of this epoch: not executed by any correct replica; the next instance orders these.
      for (const q of d.requests) this.leftovers.push(fromEpochAuth(q, r.spec.members));
      return;
    }
    if (r.gated) {
      if (r.held.length < HELD_MAX) r.held.push(batch);
      return;
    }
    this.forward(batch);
  }

  private forward(batch: OrderedBatch): void {
    // smr executes batches strictly in order; anything else here would be an inner protocol's slip.
    if (batch.seq !== this.lastExecuted + 1) {
      this.env.log.log('warn', 'switch-batch-out-of-order', { seq: batch.seq, executed: this.lastExecuted });
      return;
    }
    this.pending.executed(batch.requests);
    this.env.deliver(batch);
  }

  /** The state at the epoch's base (or later) is installed: the batches held meanwhile go on. */
  private release(r: Running): void {
    r.gated = false;
    const held = r.held.splice(0).sort((a, b) => a.seq - b.seq);
    for (const b of held) if (b.seq === this.lastExecuted + 1 && this.cur === r) this.forward(b);
  }

  private remember(seq: number, digest: Uint8Array): void {
    this.fetched.set(seq, digest);
    if (this.fetched.size > 16) this.fetched.delete(this.fetched.keys().next().value as number);
  }

  // Messages of epochs.

  private onInner(from: NodeId, epoch: number, body: Uint8Array): void {
    const r = epoch === this.retired?.spec.epoch ? this.retired : this.cur;
    if (epoch < r.spec.epoch || !this.o.hosts.includes(from)) return;
    if (epoch > r.spec.epoch) {
      this.future.add({ from, epoch, body });
      this.laterSenders.add(from);
      if (this.laterSenders.size >= this.o.replyQuorum) this.query([...this.laterSenders]);
      return;
    }
    // A node that is not a member of this epoch (a removed one among them) is not heard.
    if (r.inner === undefined || !r.spec.members.includes(from)) return;
    const m = r.codec.decode(body);
    if (!m.ok) return this.env.suspect(from, { code: 'SWITCH_BAD_BODY', detail: m.error.code });
    r.inner.onMessage(from, m.value);
  }

  private query(to: readonly NodeId[]): void {
    const now = this.env.now();
    if (now - this.queriedAtMs < this.o.probeMs / 4) return;
    this.queriedAtMs = now;
    for (const p of to)
      if (p !== this.env.self) this.env.send(p, { kind: 'epoch-query', epoch: this.cur.spec.epoch });
  }

  private probe(): void {
    this.queriedAtMs = this.env.now();
    for (const h of this.o.hosts)
      if (h !== this.env.self) this.env.send(h, { kind: 'epoch-query', epoch: this.cur.spec.epoch });
    this.env.setTimer(this.o.probeMs, { kind: PROBE_TIMER });
  }

  /** A peer's current epoch: believed when f+1 peers (at least one correct) say the same. */
  private onInfo(from: NodeId, m: EpochInfo): void {
    if (m.epoch <= this.cur.spec.epoch || !this.o.hosts.includes(from)) return;
    const d = decodeCommandOp(m.op);
    if (
      !d.ok ||
      d.value.command.nextEpoch !== m.epoch ||
      !verifyCommand(this.env.crypto, this.o.admin, d.value)
    )
      return this.env.suspect(from, { code: 'SWITCH_BAD_INFO' });
    const spec = epochOf(d.value.command, m.base, this.o);
    if (!spec.ok) return this.env.suspect(from, { code: 'SWITCH_BAD_INFO', detail: spec.error });
    const key = `${m.epoch}/${m.base}/${hex(m.digest)}/${hex(this.env.crypto.digest(m.op))}`;
    const sources = this.votes.add(from, m, key);
    if (sources.length < this.o.replyQuorum) return;
    if (this.lastExecuted > m.base)
      this.env.log.log('error', 'switch-executed-past-base', {
        epoch: m.epoch,
        base: m.base,
        executed: this.lastExecuted,
      });
    const gated = this.lastExecuted !== m.base;
    this.enter(spec.value, m, gated);
    if (gated) this.env.deliver({ kind: 'state-needed', seq: m.base, digest: m.digest, sources });
  }

  private innerEnv(r: Running): Env<unknown, TimerKey, OrderingDelivery> {
    const env = this.env;
    const live = () => this.cur === r || this.retired === r;
    const wrap = (msg: unknown): SwitchingMessage => ({
      kind: 'inner',
      epoch: r.spec.epoch,
      body: r.codec.encode(msg),
    });
    return {
      self: env.self,
      crypto: env.crypto,
      log: env.log,
      send: (to, msg) => {
        if (live() && r.spec.members.includes(to)) env.send(to, wrap(msg));
      },
      broadcast: (msg) => {
        if (!live()) return;
        const m = wrap(msg);
        for (const p of r.spec.members) if (p !== env.self) env.send(p, m);
      },
      setTimer: (after, t) => {
        if (live()) env.setTimer(after, { ...t, swEpoch: r.spec.epoch });
      },
      cancelTimer: (t) => env.cancelTimer({ ...t, swEpoch: r.spec.epoch }),
      now: () => env.now(),
      random: () => env.random(),
      deliver: (d) => this.onDelivery(r, d),
      suspect: (node, evidence) => env.suspect(node, evidence),
    };
  }
}
