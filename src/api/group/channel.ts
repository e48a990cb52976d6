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
import { ChannelStreams, type ChannelEvent, type Delivery, type ViewChange } from './streams.js';

export type { ChannelEvent, Delivery, ViewChange } from './streams.js';

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
  /** How long to wait for a view with this member in it (default 60 s). */
  readonly joinTimeoutMs?: number;
  /**
   * A member of view 0 starts once it reaches the other members of view 0, or after this long
   * without them (default 30 s), so members started one by one are not taken for crashed.
   */
  readonly gatherMs?: number;
  /** Deliveries buffered for the application at most (default 10,000); see README.md. */
  readonly deliveriesMax?: number;
  /** Bytes of delivered data buffered at most (default 64 MiB). */
  readonly deliveryBytesMax?: number;
  /** View changes buffered at most (default 64; the oldest is dropped beyond). */
  readonly viewsMax?: number;
  /** Multicasts waiting for the stack at most (default 1,024; beyond, QUEUE_FULL). */
  readonly multicastWaitingMax?: number;
}

export interface MulticastOptions {
  /** 'fifo' (reliable, each sender's order; the default) or 'total' (one order at every member). */
  readonly guarantee?: Guarantee;
}

export class GroupChannel {
  private readonly streams: ChannelStreams;
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
    this.streams = new ChannelStreams({
      deliveriesMax: o.deliveriesMax ?? 10_000,
      deliveryBytesMax: o.deliveryBytesMax ?? 64 * 1024 * 1024,
      viewsMax: o.viewsMax ?? 64,
    });
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
      gatherMs: o.gatherMs,
    });
    const ch = new GroupChannel(member, o);
    const installed = ch.firstView(o.joinTimeoutMs ?? 60_000);
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

  /**
   * Deliveries and view changes in the order they happened (a view change comes after every
   * message delivered in the view before it), for one reader; ends after exclusion. Read either
   * this or `deliveries` and `views`: the first read decides (streams.ts).
   */
  get events(): AsyncIterable<ChannelEvent> {
    return this.streams.events();
  }

  /** Deliveries in order, for one reader; ends after exclusion (see README.md for overflow). */
  get deliveries(): AsyncIterable<Delivery> {
    return this.streams.deliveries();
  }

  /** View changes, the first view included, for one reader; ends after exclusion. */
  get views(): AsyncIterable<ViewChange> {
    return this.streams.views();
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
      // Gone either way: the others may have been too few left to install a view without it.
      this.excludedReason ??= 'left';
    }
    await this.close(new GroupError('CLOSED', 'the channel was closed: this member left the group'));
  }

  private onReport(r: GroupReport): void {
    switch (r.kind) {
      case 'deliver':
        this.streams.push({
          kind: 'deliver',
          sender: r.sender,
          view: r.view,
          guarantee: r.guarantee,
          data: r.data,
        });
        return this.queue.pump();
      case 'view':
        this.streams.push({
          kind: 'view',
          view: r.view,
          transitional: r.transitional,
          joined: r.joined,
          left: r.left,
        });
        if (r.view.members.includes(this.self)) this.onInstalled();
        return this.queue.pump();
      case 'excluded':
        // A member that asked to leave was removed for that, whatever words the Commit used.
        this.excludedReason = this.leaving ? 'left' : r.reason;
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
      this.streams.end();
      await this.member.close();
    })();
    return this.closing;
  }
}
