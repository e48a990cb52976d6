/**
 * The network model of one seeded world: latency (a base plus an exponential tail, so messages
 * reorder), loss, duplication, and partitions that open and heal. Everything is drawn from the
 * world's seeded generator. After `stableAtMs` the network is good: no loss, no partition.
 */
import type { NodeId } from '../core/ids.js';
import type { SeededRng } from '../core/rng.js';

export interface NetworkConfig {
  /** One-way latency: base plus an exponential tail with this mean. */
  readonly latencyMsBase: number;
  readonly latencyMsTail: number;
  /** Chance that a message is lost (before stabilization). */
  readonly loss: number;
  /** Chance that a message is delivered twice. */
  readonly duplicate: number;
  /** Open random partitions before stabilization. */
  readonly partitions: boolean;
}

export const defaultNetwork: NetworkConfig = {
  latencyMsBase: 1,
  latencyMsTail: 2,
  loss: 0,
  duplicate: 0,
  partitions: false,
};

interface Partition {
  readonly fromMs: number;
  readonly untilMs: number;
  /** The side each node is on. */
  readonly side: ReadonlyMap<NodeId, number>;
}

export class NetworkModel {
  private readonly partitions: Partition[] = [];

  constructor(
    readonly config: NetworkConfig,
    private readonly rng: SeededRng,
    readonly stableAtMs: number,
    nodes: readonly NodeId[],
  ) {
    if (config.partitions) this.planPartitions(nodes);
  }

  /**
   * Delays (ms) at which copies of one message arrive: none if it is lost, two if duplicated.
   * Deterministic given the generator's state.
   */
  deliveries(from: NodeId, to: NodeId, nowMs: number): number[] {
    if (from === to) return [0];
    const stable = nowMs >= this.stableAtMs;
    if (!stable && this.isPartitioned(from, to, nowMs)) return [];
    if (!stable && this.config.loss > 0 && this.rng.float() < this.config.loss) return [];
    const first = this.latency();
    if (this.config.duplicate > 0 && this.rng.float() < this.config.duplicate) return [first, this.latency()];
    return [first];
  }

  /** Whether a link is cut at `nowMs` (for reports and tests). */
  isPartitioned(from: NodeId, to: NodeId, nowMs: number): boolean {
    for (const p of this.partitions) {
      if (nowMs < p.fromMs || nowMs >= p.untilMs) continue;
      if (p.side.get(from) !== p.side.get(to)) return true;
    }
    return false;
  }

  get plannedPartitions(): number {
    return this.partitions.length;
  }

  private latency(): number {
    const tail = this.config.latencyMsTail;
    return this.config.latencyMsBase + (tail > 0 ? -Math.log(1 - this.rng.float()) * tail : 0);
  }

  /** Two to four partitions before stabilization, each splitting the nodes at random into two sides. */
  private planPartitions(nodes: readonly NodeId[]): void {
    const count = 2 + this.rng.int(3);
    for (let i = 0; i < count; i++) {
      const fromMs = this.rng.float() * this.stableAtMs * 0.8;
      const untilMs = Math.min(this.stableAtMs, fromMs + 100 + this.rng.float() * this.stableAtMs * 0.3);
      const side = new Map<NodeId, number>();
      for (const n of nodes) side.set(n, this.rng.int(2));
      this.partitions.push({ fromMs, untilMs, side });
    }
  }
}
