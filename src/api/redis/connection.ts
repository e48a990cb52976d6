/**
 * One client connection of the gateway. Commands are parsed as bytes arrive and answered in
 * the order they came (pipelining), with many in flight to the cluster at once.
 *
 * Redis runs one connection's commands one after another; an ordering protocol does not keep a
 * client's concurrent requests in their sending order. So a command is sent to the cluster only
 * when no earlier command of the same connection still in flight touches one of its keys with a
 * write (a read after a write waits for it, as do writes after reads or writes); commands on
 * disjoint keys commute, so overlapping them gives the same answers as running them in order.
 * Commands start in arrival order: a waiting command holds back the ones behind it.
 *
 * Bounds: commands read and not yet answered (beyond them the socket is paused), the parser's
 * own bounds, and reply bytes the client has not read (beyond them it is disconnected).
 */
import type { Socket } from 'node:net';
import { bytesToKey, isReadOnlyOp, opKeys } from '../kv/ops.js';
import { KvError, type KvBackend } from '../kv/client.js';
import { planCommand } from './commands.js';
import type { ConnectionInfo, Plan } from './plan.js';
import * as resp from './resp-reply.js';
import { RespParser, type RespBounds } from './resp-parser.js';

export interface ConnectionLimits {
  readonly pipelineMax: number;
  readonly outputBytesMax: number;
  readonly bounds: RespBounds;
}

interface Slot {
  reply: Buffer | undefined;
  close: boolean;
}

interface Pending {
  readonly slot: Slot;
  readonly plan: Extract<Plan, { kind: 'op' }>;
  readonly keys: readonly string[];
  readonly write: boolean;
}

export interface ConnectionEvents {
  onCommand(): void;
  onClientError(): void;
}

export class Connection {
  private readonly parser: RespParser;
  /** Replies in command order; a slot fills when its command completes. */
  private readonly slots: Slot[] = [];
  /** Commands waiting for an earlier conflicting command to complete. */
  private readonly waiting: Pending[] = [];
  /** key → in-flight readers and writers of this connection. */
  private readonly inFlight = new Map<string, { readers: number; writers: number }>();
  private closing = false;
  private closed = false;
  readonly info: ConnectionInfo;

  constructor(
    private readonly socket: Socket,
    private readonly backend: KvBackend,
    private readonly limits: ConnectionLimits,
    id: number,
    port: number,
    private readonly events: ConnectionEvents,
  ) {
    this.parser = new RespParser(limits.bounds);
    this.info = { id, name: undefined, port };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      this.pump();
    });
    socket.on('drain', () => this.pump());
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** Parse and start commands while the pipeline has room and the client reads its replies. */
  private pump(): void {
    while (!this.closing && !this.closed && this.slots.length < this.limits.pipelineMax) {
      if (this.socket.writableNeedDrain) break;
      const parsed = this.parser.next();
      if (parsed === undefined) break;
      if (parsed.kind === 'error') {
        // Redis answers a protocol error, then closes the connection once the reply is out.
        this.events.onClientError();
        this.push(resp.error(parsed.message), true);
        break;
      }
      this.events.onCommand();
      this.accept(planCommand(parsed.args, this.info));
    }
    // A closing connection reads nothing more; a full one reads again when replies go out.
    const full =
      this.closing || this.slots.length >= this.limits.pipelineMax || this.socket.writableNeedDrain;
    if (full && !this.socket.isPaused()) this.socket.pause();
    else if (!full && this.socket.isPaused()) this.socket.resume();
    this.flush();
  }

  private accept(plan: Plan): void {
    if (plan.kind === 'reply') {
      this.push(plan.reply, plan.close === true);
      return;
    }
    const slot: Slot = { reply: undefined, close: false };
    this.slots.push(slot);
    const keys = opKeys(plan.op).map(bytesToKey);
    this.waiting.push({ slot, plan, keys, write: !isReadOnlyOp(plan.op) });
    this.dispatch();
  }

  private push(reply: Buffer, close: boolean): void {
    this.slots.push({ reply, close });
    if (close) this.closing = true;
  }

  private conflicts(p: Pending): boolean {
    for (const k of p.keys) {
      const f = this.inFlight.get(k);
      if (f !== undefined && (f.writers > 0 || (p.write && f.readers > 0))) return true;
    }
    return false;
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0] as Pending;
      if (this.conflicts(head)) return;
      this.waiting.shift();
      this.start(head);
    }
  }

  private start(p: Pending): void {
    for (const k of p.keys) {
      const f = this.inFlight.get(k) ?? { readers: 0, writers: 0 };
      if (p.write) f.writers++;
      else f.readers++;
      this.inFlight.set(k, f);
    }
    this.backend.run(p.plan.op).then(
      (result) => this.finish(p, p.plan.render(result)),
      (e: unknown) => this.finish(p, resp.error(failureMessage(e))),
    );
  }

  private finish(p: Pending, reply: Buffer): void {
    for (const k of p.keys) {
      const f = this.inFlight.get(k);
      if (f === undefined) continue;
      if (p.write) f.writers--;
      else f.readers--;
      if (f.readers === 0 && f.writers === 0) this.inFlight.delete(k);
    }
    p.slot.reply = reply;
    if (this.closed) return;
    this.dispatch();
    this.pump();
  }

  /** Write every reply that is ready and in order; end the connection after a closing one. */
  private flush(): void {
    if (this.closed) return;
    const ready: Buffer[] = [];
    let end = false;
    while (this.slots.length > 0 && (this.slots[0] as Slot).reply !== undefined) {
      const slot = this.slots.shift() as Slot;
      ready.push(slot.reply as Buffer);
      if (slot.close) {
        end = true;
        break;
      }
    }
    if (ready.length > 0) this.socket.write(ready.length === 1 ? (ready[0] as Buffer) : Buffer.concat(ready));
    if (end) {
      this.slots.length = 0;
      this.closed = true;
      this.socket.end();
      return;
    }
    // A client that pipelines without reading its replies would grow this buffer without end.
    if (this.socket.writableLength > this.limits.outputBytesMax) this.destroy();
  }
}

/** A failed cluster request becomes an error reply to that command only. */
function failureMessage(e: unknown): string {
  if (e instanceof KvError) return e.message.startsWith('ERR') ? e.message : `ERR ${e.message}`;
  const text = e instanceof Error ? e.message : String(e);
  return `ERR cluster request failed: ${text}`;
}
