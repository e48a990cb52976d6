/**
 * `GroupChannel`: an application's membership in an ITUA group (seed 003) running in this process
 * over TCP. Join with the group's cluster file and this member's key file; multicast with reliable
 * FIFO or total order; read deliveries and view changes as async iterables; leave. See README.md.
 */
import type { Logger } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { GroupView } from '../../protocols/itua/group-api.js';
import type { Guarantee } from '../../protocols/itua/index.js';
import { GroupError } from '../../runtime/group/errors.js';
import type { GroupSpec } from '../../runtime/group/group-file.js';
import {
  startGroupMember,
  type GroupReport,
  type RunningGroupMember,
} from '../../runtime/group/member-process.js';
import { MulticastQueue } from '../../runtime/group/multicast-queue.js';
import { EventStream } from './event-stream.js';

export interface JoinOptions {
  /** The group's cluster file, the directory holding it (cluster.yaml), or the parsed file. */
  readonly cluster: string | GroupSpec;
  /** This member's id in the cluster file. */
  readonly self: NodeId;
  /** Default: member-<self>.key beside the cluster file. */
  readonly keyFile?: string;
  /** 'bench' accepts a cluster file with `crypto: none`; the default, 'deployment', refuses it. */
  readonly context?: 'deployment' | 'bench';
  /** Timer overrides, by name, over the cluster file's. */
  readonly tuning?: Readonly<Record<string, number>>;
  readonly log?: Logger;
  /** How long to wait for a view with this member in it (default 30 s). */
  readonly joinTimeoutMs?: number;
  /** Deliveries buffered for the application at most (default 10,000); see README.md. */
  readonly deliveriesMax?: number;
  /** View changes buffered at most (default 64; the oldest is dropped beyond). */
  readonly viewsMax?: number;
  /** Multicasts waiting for the stack at most (default 1,024; beyond, QUEUE_FULL). */
  readonly multicastWaitingMax?: number;
}

export interface Delivery {
  readonly sender: NodeId;
  /** The view the message was delivered in. */
  readonly view: number;
  readonly guarantee: Guarantee;
  readonly data: Uint8Array;
}

export interface ViewChange {
  readonly view: GroupView;
  /** The paper's transitional view (group-api.ts). */
  readonly transitional: boolean;
  readonly joined: readonly NodeId[];
  readonly left: readonly NodeId[];
}

export interface MulticastOptions {
  /** 'fifo' (reliable, each sender's order; the default) or 'total' (one order at every member). */
  readonly guarantee?: Guarantee;
}

export class GroupChannel {
  private readonly deliveryStream: EventStream<Delivery>;
  private readonly viewStream: EventStream<ViewChange>;
  private readonly queue: MulticastQueue;
  private readonly excludedOnce: Promise<string>;
  private onExcluded: (reason: string) => void = () => {};
  private onInstalled: () => void = () => {};
  private excludedReason: string | undefined;
  private closing: Promise<void> | undefined;
  private leaving = false;

  private constructor(
    private readonly member: RunningGroupMember,
    o: JoinOptions,
  ) {
    this.deliveryStream = new EventStream(o.deliveriesMax ?? 10_000, {
      kind: 'fail',
      error: () =>
        new GroupError(
          'DELIVERY_OVERFLOW',
          'deliveries were not read and the buffer overflowed: some were dropped',
        ),
    });
    this.viewStream = new EventStream(o.viewsMax ?? 64, { kind: 'drop-oldest' });
    this.queue = new MulticastQueue((g, data) => member.multicast(g, data), {
      waitingMax: o.multicastWaitingMax,
    });
    this.excludedOnce = new Promise((resolve) => (this.onExcluded = resolve));
  }

  /** Join the group: resolves once a view with this member in it is installed. */
  static async join(o: JoinOptions): Promise<GroupChannel> {
    const member = await startGroupMember({
      cluster: o.cluster,
      self: o.self,
      keyFile: o.keyFile,
      context: o.context,
      tuning: o.tuning,
      log: o.log,
    });
    const ch = new GroupChannel(member, o);
    const installed = ch.firstView(o.joinTimeoutMs ?? 30_000);
    member.on((r) => ch.onReport(r));
    try {
      await installed;
    } catch (e) {
      await ch.close(e as GroupError);
      throw e;
    }
    return ch;
  }

  get self(): NodeId {
    return this.member.self;
  }

  /** The view installed now; undefined once excluded or left. */
  get view(): GroupView | undefined {
    return this.member.currentView();
  }

  /** Why this member was excluded (or 'left'), once it was. */
  get excluded(): string | undefined {
    return this.excludedReason;
  }

  /** Deliveries in order, for one reader; ends after exclusion (see README.md for overflow). */
  get deliveries(): AsyncIterable<Delivery> {
    return this.deliveryStream;
  }

  /** View changes, the first view included, for one reader; ends after exclusion. */
  get views(): AsyncIterable<ViewChange> {
    return this.viewStream;
  }

  /**
   * Multicast `data` (a string is sent as UTF-8). Resolves once the stack accepted it: while this
   * member has too many multicasts in flight, the promise waits (back-pressure).
   */
  multicast(data: Uint8Array | string, o: MulticastOptions = {}): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return this.queue.submit(o.guarantee ?? 'fifo', bytes);
  }

  /**
   * Leave the group: the others install a view without this member; resolves once it was excluded
   * or after `timeoutMs`, and then closes the connections either way.
   */
  async leave(timeoutMs = 5_000): Promise<void> {
    if (this.excludedReason === undefined && this.closing === undefined) {
      this.leaving = true;
      this.member.leave();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([this.excludedOnce, timeout]);
      clearTimeout(timer);
    }
    await this.close(new GroupError('CLOSED', 'the channel was closed: this member left the group'));
  }

  private onReport(r: GroupReport): void {
    switch (r.kind) {
      case 'deliver':
        this.deliveryStream.push({ sender: r.sender, view: r.view, guarantee: r.guarantee, data: r.data });
        return this.queue.pump();
      case 'view':
        this.viewStream.push({ view: r.view, transitional: r.transitional, joined: r.joined, left: r.left });
        if (r.view.members.includes(this.self)) this.onInstalled();
        return this.queue.pump();
      case 'excluded':
        this.excludedReason = r.reason;
        this.onExcluded(r.reason);
        void this.close(
          this.leaving
            ? new GroupError('CLOSED', 'the channel was closed: this member left the group')
            : new GroupError('EXCLUDED', `this member was excluded from the group: ${r.reason}`),
        );
        return;
      case 'suspect':
        return;
    }
  }

  /** Resolves when onReport sees a view with this member in it; rejects after timeoutMs. */
  private firstView(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onInstalled = () => {};
        reject(new GroupError('JOIN_TIMEOUT', `no view with member ${this.self} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onInstalled = () => {
        clearTimeout(timer);
        this.onInstalled = () => {};
        resolve();
      };
    });
  }

  /** Stop everything once: refuse waiting multicasts, end both streams, close the connections. */
  private close(error: GroupError): Promise<void> {
    this.closing ??= (async () => {
      this.queue.close(error);
      this.deliveryStream.end();
      this.viewStream.end();
      await this.member.close();
    })();
    return this.closing;
  }
}
