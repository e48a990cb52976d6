/**
 * A member of view 0 starts its protocol only once it can reach the other members of view 0, or
 * after `waitMs` without them. The stack suspects a member it has not heard from for a few hundred
 * milliseconds (Stable's timeout), and f+1 suspicions remove it: members that start seconds apart
 * (processes launched one by one, terminals opened one after the other) would otherwise remove the
 * late ones before they arrive. The members that are up start within a connection set-up of each
 * other; one that never comes is removed by the others after the wait, as it should be.
 */
import type { Protocol, TimerKey } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { Transport } from '../../net/transport.js';

export class StartGate<M> implements Protocol<M, TimerKey> {
  private started = false;

  constructor(
    private readonly inner: Protocol<M, TimerKey>,
    private readonly transport: Transport,
    private readonly peers: readonly NodeId[],
    private readonly waitMs: number,
  ) {}

  start(): void {
    const missing = () =>
      this.peers.filter((p) => p !== this.transport.self && !this.transport.isConnected(p));
    if (missing().length === 0) return this.open();
    const timer = setTimeout(() => this.open(), this.waitMs);
    // The transport keeps a running member's process alive; this wait alone should not.
    timer.unref();
    this.transport.onPeerChange(() => {
      if (missing().length > 0) return;
      clearTimeout(timer);
      this.open();
    });
  }

  // Frames and timers before the start are dropped: a member that is not running hears nothing,
  // and the others retransmit what matters.
  onMessage(from: NodeId, m: M): void {
    if (this.started) this.inner.onMessage(from, m);
  }

  onTimer(t: TimerKey): void {
    if (this.started) this.inner.onTimer(t);
  }

  private open(): void {
    if (this.started) return;
    this.started = true;
    this.inner.start();
  }
}
