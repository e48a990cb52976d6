// The part of smr that the hand-driven protocol clusters (pbft-harness.ts, paxos-harness.ts) stand
// in for: it records each replica's deliveries, executes batches as a running text of what ran,
// reports a state digest at checkpoint seqs the way smr/replica-node.ts does, keeps that text as
// the checkpoint's snapshot, and carries out state transfers at once when asked.
import type { OrderingDelivery, OrderingProtocol } from '../../src/core/env.js';
import type { NodeId } from '../../src/core/ids.js';

export interface StandInHost {
  /** The replica object of `id` now (a restart replaces it). */
  replica(id: NodeId): OrderingProtocol<unknown> | undefined;
  digest(id: NodeId, bytes: Uint8Array): Uint8Array;
  checkpointInterval(): number;
  /** Cut-off nodes neither give nor take state. */
  readonly isolated: ReadonlySet<NodeId>;
}

export class SmrStandIn {
  readonly deliveries = new Map<NodeId, OrderingDelivery[]>();
  private readonly executed = new Map<NodeId, string>();
  /** Each node's executed history at its checkpoints: what state transfer hands over. */
  private readonly snapshots = new Map<NodeId, Map<number, string>>();
  /** State transfers asked for and not yet done (carried out between message deliveries). */
  private readonly transfers: { node: NodeId; seq: number; sources: readonly NodeId[] }[] = [];

  constructor(private readonly host: StandInHost) {}

  /** A node starts (or restarts) with nothing executed. */
  reset(id: NodeId): void {
    this.deliveries.set(id, []);
    this.executed.set(id, '');
    this.snapshots.set(id, new Map());
  }

  /** What replica `id` executed, as `seq:client.id,…` joined by `|`. */
  history(id: NodeId): string {
    return this.executed.get(id) ?? '';
  }

  onDelivery(id: NodeId, d: OrderingDelivery): void {
    this.deliveries.get(id)?.push(d);
    if (d.kind === 'state-needed') this.transfers.push({ node: id, seq: d.seq, sources: d.sources });
    if (d.kind !== 'batch') return;
    const text = `${this.executed.get(id)}|${d.seq}:${d.requests.map((r) => `${r.client}.${r.requestId}`).join(',')}`;
    this.executed.set(id, text);
    const digest =
      d.seq % this.host.checkpointInterval() === 0
        ? this.host.digest(id, new TextEncoder().encode(text))
        : undefined;
    if (digest !== undefined) this.snapshots.get(id)?.set(d.seq, text);
    this.host.replica(id)?.onExecuted(d.seq, digest);
  }

  /** The first source that has the snapshot hands it over. */
  transferState(): void {
    while (this.transfers.length > 0) {
      const t = this.transfers.shift() as { node: NodeId; seq: number; sources: readonly NodeId[] };
      const text = t.sources.map((s) => this.snapshots.get(s)?.get(t.seq)).find((x) => x !== undefined);
      if (text === undefined || this.host.isolated.has(t.node)) continue;
      this.executed.set(t.node, text);
      this.snapshots.get(t.node)?.set(t.seq, text);
      this.host.replica(t.node)?.onStateInstalled(t.seq);
    }
  }
}
