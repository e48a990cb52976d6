// Shared set-up for the smr tests: a small paged service, an ordering protocol the test drives by
// hand, and an in-memory network with a virtual clock that carries every message through the real
// wire codec, so replica nodes talk to each other exactly as they do in the simulator.
import { codec as makeCodec } from '../../src/codec/frame.js';
import { list, u8, union, type Infer } from '../../src/codec/schema.js';
import {
  timerId,
  type Env,
  type OrderingDelivery,
  type OrderingProtocol,
  type TimerKey,
} from '../../src/core/env.js';
import { CLIENT_ID_MIN, type NodeId } from '../../src/core/ids.js';
import { err, ok, type Result } from '../../src/core/result.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import type { ProtocolModule } from '../../src/protocols/module.js';
import { wireSchema, type Wire } from '../../src/smr/messages.js';
import type { Observation } from '../../src/smr/observations.js';
import { ReplicaNode, type ReplicaNodeOptions } from '../../src/smr/replica-node.js';
import { authenticateRequest, type RequestCore } from '../../src/smr/request-auth.js';
import type { Service } from '../../src/smr/service.js';

/**
 * Keys 0..255 with u32 values, in `pageCount` pages by key. An op is [key, v0, v1, v2, v3]: it
 * adds v to the key's value and returns the new value (a query op returns the value). Pages
 * encode their keys in ascending order, so equal states encode to equal bytes.
 */
export class PagedService implements Service {
  readonly values = new Map<number, number>();
  private dirty = new Set<number>();
  executions = 0;

  constructor(readonly pageCount = 16) {}

  execute(op: Uint8Array): Uint8Array {
    this.executions++;
    const key = op[0] ?? 0;
    const add = op.byteLength >= 5 ? new DataView(op.buffer, op.byteOffset).getUint32(1) : 1;
    const next = ((this.values.get(key) ?? 0) + add) >>> 0;
    this.values.set(key, next);
    this.dirty.add(key % this.pageCount);
    return u32Bytes(next);
  }

  query(op: Uint8Array): Uint8Array {
    return u32Bytes(this.values.get(op[0] ?? 0) ?? 0);
  }

  takeDirtyPages(): number[] {
    const out = [...this.dirty];
    this.dirty = new Set();
    return out;
  }

  encodePage(index: number): Uint8Array {
    const keys = [...this.values.keys()].filter((k) => k % this.pageCount === index).sort((a, b) => a - b);
    const out = new Uint8Array(keys.length * 5);
    const view = new DataView(out.buffer);
    keys.forEach((k, i) => {
      out[i * 5] = k;
      view.setUint32(i * 5 + 1, this.values.get(k) as number);
    });
    return out;
  }

  restorePages(pages: readonly Uint8Array[]): Result<void, string> {
    if (pages.length !== this.pageCount) return err('wrong page count');
    const values = new Map<number, number>();
    for (const [index, page] of pages.entries()) {
      if (page.byteLength % 5 !== 0) return err(`page ${index} is not whole entries`);
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      for (let i = 0; i < page.byteLength; i += 5) {
        const key = page[i] as number;
        if (key % this.pageCount !== index) return err(`key ${key} in page ${index}`);
        values.set(key, view.getUint32(i + 1));
      }
    }
    this.values.clear();
    for (const [k, v] of values) this.values.set(k, v);
    for (let i = 0; i < this.pageCount; i++) this.dirty.add(i);
    return ok(undefined);
  }
}

export function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
}

export function op(key: number, add = 1): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = key;
  new DataView(b.buffer).setUint32(1, add);
  return b;
}

/** A protocol that does nothing by itself: the test delivers what it decides and reads what smr reports. */
export class ManualProtocol implements OrderingProtocol<ManualMessage> {
  readonly executed: { seq: number; digest: Uint8Array | undefined }[] = [];
  readonly installed: number[] = [];
  readonly submitted: number[] = [];

  constructor(readonly env: Env<ManualMessage, TimerKey, OrderingDelivery>) {}

  start(): void {}
  onMessage(): void {}
  onTimer(): void {}
  submit(request: { requestId: number }): void {
    this.submitted.push(request.requestId);
  }
  onExecuted(seq: number, digest: Uint8Array | undefined): void {
    this.executed.push({ seq, digest });
  }
  onStateInstalled(seq: number): void {
    this.installed.push(seq);
  }
  deliver(d: OrderingDelivery): void {
    this.env.deliver(d);
  }
  digestAt(seq: number): Uint8Array {
    const e = this.executed.findLast((x) => x.seq === seq && x.digest !== undefined);
    if (e?.digest === undefined) throw new Error(`no checkpoint digest at ${seq}`);
    return e.digest;
  }
}

const manualSchema = union('Manual', { nop: [1, { pad: list(u8, 4) }] });
export type ManualMessage = Infer<typeof manualSchema>;

export const manualModule: ProtocolModule<ManualMessage> = {
  name: 'manual',
  schema: manualSchema,
  quorum: (f) => ({ model: 'byzantine', n: 3 * f + 1, f, quorum: 2 * f + 1, replyQuorum: f + 1 }),
  maxFaults: (n) => Math.floor((n - 1) / 3),
  recoversFromAmnesia: true,
  create: (env) => new ManualProtocol(env),
};

const wire = makeCodec(wireSchema(manualSchema));

/** Rewrites what one node sends (a Byzantine replica in a test): returns the messages to send instead. */
export type Tamper = (to: NodeId, m: Wire<ManualMessage>) => Wire<ManualMessage>[];

interface Timer {
  readonly at: number;
  readonly node: NodeId;
  readonly key: TimerKey;
  readonly gen: number;
}

/** Replica nodes (ids 0..n-1) over an in-memory network with a virtual clock; latency 1 ms. */
export class Cluster {
  readonly nodes = new Map<NodeId, ReplicaNode<ManualMessage>>();
  readonly services = new Map<NodeId, PagedService>();
  readonly suspicions: { by: NodeId; node: NodeId; code: string }[] = [];
  readonly observations: Observation[] = [];
  readonly toClients: { from: NodeId; to: NodeId; m: Wire<ManualMessage> }[] = [];
  readonly tamper = new Map<NodeId, Tamper>();
  /** Messages delivered, by kind, per receiver. */
  readonly received = new Map<string, number>();
  now = 0;
  private messages: { at: number; from: NodeId; to: NodeId; bytes: Uint8Array }[] = [];
  private timers: Timer[] = [];
  private readonly armed = new Map<string, number>();
  private gen = 0;
  private readonly keyring: NoneKeyring;

  constructor(
    readonly n: number,
    private readonly options: Partial<ReplicaNodeOptions<ManualMessage>> = {},
    readonly pageCount = 16,
  ) {
    this.keyring = NoneKeyring.fromSeed(1, [...Array.from({ length: n }, (_, i) => i), CLIENT_ID_MIN]);
    for (let id = 0; id < n; id++) this.add(id);
  }

  /** (Re)create replica `id` with a fresh service: a restart with amnesia. */
  add(id: NodeId): ReplicaNode<ManualMessage> {
    const service = new PagedService(this.pageCount);
    const members = Array.from({ length: this.n }, (_, i) => i);
    const node = new ReplicaNode(this.envFor(id), {
      module: manualModule,
      config: { members, f: Math.floor((this.n - 1) / 3), role: 'active' },
      service,
      clientWindowMax: 64,
      checkpointInterval: 4,
      ...this.options,
    });
    this.nodes.set(id, node);
    this.services.set(id, service);
    node.start();
    return node;
  }

  protocol(id: NodeId): ManualProtocol {
    return (this.nodes.get(id) as ReplicaNode<ManualMessage>).protocol as ManualProtocol;
  }

  /** Deliver to these replicas what an ordering protocol would. */
  deliver(ids: readonly NodeId[], d: OrderingDelivery): void {
    for (const id of ids) this.protocol(id).deliver(d);
  }

  /** Run until nothing is due before `untilMs` (messages and timers in time order). */
  run(untilMs = Infinity, eventsMax = 100_000): void {
    for (let i = 0; i < eventsMax; i++) {
      const m = this.messages[0];
      const t = this.timers[0];
      const next = Math.min(m?.at ?? Infinity, t?.at ?? Infinity);
      if (next === Infinity || next > untilMs) return;
      this.now = next;
      if (m !== undefined && m.at === next)
        this.step(this.messages.shift() as (typeof this.messages)[number]);
      else this.fire(this.timers.shift() as Timer);
    }
    throw new Error('the cluster did not settle');
  }

  private step(e: { from: NodeId; to: NodeId; bytes: Uint8Array }): void {
    const decoded = wire.decode(e.bytes);
    if (!decoded.ok) throw new Error(`undecodable frame: ${decoded.error.code}`);
    const node = this.nodes.get(e.to);
    if (node === undefined) return;
    const k = `${e.to}:${decoded.value.kind}`;
    this.received.set(k, (this.received.get(k) ?? 0) + 1);
    node.onMessage(e.from, decoded.value);
  }

  private fire(t: Timer): void {
    if (this.armed.get(`${t.node}/${timerId(t.key)}`) !== t.gen) return;
    this.armed.delete(`${t.node}/${timerId(t.key)}`);
    this.nodes.get(t.node)?.onTimer(t.key);
  }

  private send(from: NodeId, to: NodeId, m: Wire<ManualMessage>): void {
    const outs = this.tamper.get(from)?.(to, m) ?? [m];
    for (const out of outs) {
      if (to >= CLIENT_ID_MIN) {
        this.toClients.push({ from, to, m: out });
        continue;
      }
      this.messages.push({ at: this.now + 1, from, to, bytes: wire.encode(out) });
    }
  }

  private envFor(id: NodeId): Env<Wire<ManualMessage>, TimerKey, Observation> {
    const rng = new SeededRng(id + 1);
    return {
      self: id,
      crypto: this.keyring.suiteFor(id),
      log: { log() {} },
      send: (to, m) => this.send(id, to, m),
      broadcast: (m) => {
        for (let to = 0; to < this.n; to++) if (to !== id) this.send(id, to, m);
      },
      setTimer: (after, key) => {
        const gen = ++this.gen;
        this.armed.set(`${id}/${timerId(key)}`, gen);
        this.timers.push({ at: this.now + after, node: id, key, gen });
        this.timers.sort((a, b) => a.at - b.at || a.gen - b.gen);
      },
      cancelTimer: (key) => {
        this.armed.delete(`${id}/${timerId(key)}`);
      },
      now: () => this.now,
      random: () => rng,
      deliver: (o) => this.observations.push(o),
      suspect: (node, evidence) => this.suspicions.push({ by: id, node, code: evidence.code }),
    };
  }
}

/** The authenticator client CLIENT_ID_MIN sends to a Cluster of n replicas (same keyring seed). */
export function clientAuth(n: number, core: RequestCore): Uint8Array[] {
  const replicas = Array.from({ length: n }, (_, i) => i);
  const keys = NoneKeyring.fromSeed(1, [...replicas, CLIENT_ID_MIN]);
  return authenticateRequest(keys.suiteFor(CLIENT_ID_MIN), replicas, core);
}

/** A batch of requests from client CLIENT_ID_MIN with these ids, each adding 1 to key `key(id)` (id % 256). */
export function batch(
  seq: number,
  ids: readonly number[],
  lowWater = 0,
  key = (id: number) => id % 256,
): OrderingDelivery {
  return {
    kind: 'batch',
    seq,
    requests: ids.map((requestId) => ({
      client: CLIENT_ID_MIN,
      requestId,
      lowWater,
      readOnly: false,
      op: op(key(requestId)),
      // Delivered straight to smr as if ordered: nobody checks an authenticator past ordering.
      auth: [],
    })),
  };
}
