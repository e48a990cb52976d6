/**
 * What a channel hands its application, buffered: either one stream of everything in the order it
 * happened (`events`: deliveries and view changes interleaved, which is what view synchrony is
 * about), or two (`deliveries`, `views`) for applications that read them apart. All of them buffer
 * from the join on; the first one the application reads decides the style, and the buffers of the
 * other style are dropped, so an application pays for one. Mixing styles is a GroupError.
 */
import type { NodeId } from '../../core/ids.js';
import type { GroupView } from '../../protocols/itua/group-api.js';
import type { Guarantee } from '../../protocols/itua/index.js';
import { GroupError } from '../../runtime/group/errors.js';
import { EventStream } from './event-stream.js';

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

export type ChannelEvent =
  ({ readonly kind: 'deliver' } & Delivery) | ({ readonly kind: 'view' } & ViewChange);

export interface StreamLimits {
  readonly deliveriesMax: number;
  readonly deliveryBytesMax: number;
  readonly viewsMax: number;
}

const overflow = () =>
  new GroupError(
    'DELIVERY_OVERFLOW',
    'deliveries were not read and the buffer overflowed: some were dropped',
  );

const sizeOf = (e: unknown) => (e as { data?: Uint8Array }).data?.byteLength ?? 0;

export class ChannelStreams {
  private separate: { deliveries: EventStream<Delivery>; views: EventStream<ViewChange> } | undefined;
  private merged: EventStream<ChannelEvent> | undefined;
  private chosen: 'separate' | 'merged' | undefined;

  constructor(limits: StreamLimits) {
    const deliveries = { itemsMax: limits.deliveriesMax, bytesMax: limits.deliveryBytesMax, sizeOf };
    this.separate = {
      deliveries: new EventStream<Delivery>(deliveries, { kind: 'fail', error: overflow }),
      views: new EventStream<ViewChange>({ itemsMax: limits.viewsMax }, { kind: 'drop-oldest' }),
    };
    const all = { ...deliveries, itemsMax: limits.deliveriesMax + limits.viewsMax };
    this.merged = new EventStream<ChannelEvent>(all, { kind: 'fail', error: overflow });
  }

  push(e: ChannelEvent): void {
    this.merged?.push(e);
    if (e.kind === 'deliver') {
      this.separate?.deliveries.push({
        sender: e.sender,
        view: e.view,
        guarantee: e.guarantee,
        data: e.data,
      });
    } else {
      this.separate?.views.push({
        view: e.view,
        transitional: e.transitional,
        joined: e.joined,
        left: e.left,
      });
    }
  }

  /** Readers finish after what is buffered. */
  end(): void {
    this.merged?.end();
    this.separate?.deliveries.end();
    this.separate?.views.end();
  }

  events(): EventStream<ChannelEvent> {
    this.choose('merged');
    return this.merged as EventStream<ChannelEvent>;
  }

  deliveries(): EventStream<Delivery> {
    this.choose('separate');
    return this.separate?.deliveries as EventStream<Delivery>;
  }

  views(): EventStream<ViewChange> {
    this.choose('separate');
    return this.separate?.views as EventStream<ViewChange>;
  }

  private choose(style: 'separate' | 'merged'): void {
    if (this.chosen === style) return;
    if (this.chosen !== undefined) {
      throw new GroupError('STREAM_CHOSEN', 'read either `events`, or `deliveries` and `views`, not both');
    }
    this.chosen = style;
    if (style === 'merged') this.separate = undefined;
    else this.merged = undefined;
  }
}
