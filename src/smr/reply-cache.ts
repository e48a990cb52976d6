/**
 * Exactly-once execution with many outstanding requests per client.
 *
 * PBFT keeps one reply per client and executes a request only if its timestamp is newer than
 * the last one executed. That forbids pipelining: with requests 1 and 2 in flight, ordering 2
 * first would make 1 look old forever. Instead each client has a window: every id at or below
 * `low` is settled, and ids in (low, low + windowMax] are tracked one by one with their cached
 * results. The client raises `low` in its requests (lowWater) once it has settled everything
 * below, so replicas can forget those results: memory per client is bounded by windowMax.
 *
 * The window is replicated state: it changes only when an ordered request executes, so all
 * correct replicas hold the same one. It is part of every checkpoint (reply-cache-pages.ts):
 * a replica that installs a checkpoint by state transfer must also know which requests that
 * state already reflects, or it would execute them again.
 */
import type { NodeId } from '../core/ids.js';

export type CacheLookup =
  /** Never executed and inside the window: order it. */
  | { readonly state: 'new' }
  /** Executed: here is the cached result (absent if forgotten under lowWater). */
  | { readonly state: 'done'; readonly result: Uint8Array | undefined }
  /** Beyond the window: the client is ahead of what it may have outstanding. */
  | { readonly state: 'beyond' };

export interface ClientWindow {
  low: number;
  /** id → cached result, for executed ids above `low`. */
  readonly done: Map<number, Uint8Array>;
}

export class ReplyCache {
  private clients = new Map<NodeId, ClientWindow>();
  /** Clients whose window changed since the checkpointer last asked (takeDirtyClients). */
  private dirty = new Set<NodeId>();

  constructor(readonly windowMax: number) {}

  /**
   * What to do with a request as it arrives, before ordering. The window is judged from the
   * request's own low-water mark too: ids a client spent on unordered reads never reach
   * `admit`, so the replicated `low` alone would fall behind and refuse the client forever.
   * (The client's claim only widens its own window; `admit` applies it when the request is
   * ordered, so every replica moves the window at the same point.)
   */
  lookup(client: NodeId, requestId: number, lowWater = 0): CacheLookup {
    const w = this.clients.get(client);
    if (w === undefined) return { state: 'new' };
    if (requestId <= w.low) return { state: 'done', result: w.done.get(requestId) };
    const result = w.done.get(requestId);
    if (result !== undefined) return { state: 'done', result };
    const low = lowWater < requestId ? Math.max(w.low, lowWater) : w.low;
    if (requestId > low + this.windowMax) return { state: 'beyond' };
    return { state: 'new' };
  }

  /**
   * Called for each ordered request before execution. Raises the client's low-water mark and
   * says whether to execute: false for a request already executed or settled.
   */
  admit(client: NodeId, requestId: number, lowWater: number): boolean {
    // Ids start at 1 (a client's low-water mark is at least 0); anything else is never executed.
    if (!Number.isSafeInteger(requestId) || requestId < 1) return false;
    let w = this.clients.get(client);
    if (w === undefined) {
      w = { low: Math.max(0, Math.min(lowWater, requestId - 1)), done: new Map() };
      this.clients.set(client, w);
      this.dirty.add(client);
    }
    if (lowWater > w.low && lowWater < requestId) {
      this.raise(w, lowWater);
      this.dirty.add(client);
    }
    if (requestId <= w.low || w.done.has(requestId)) return false;
    // A Byzantine or broken client far beyond its window: settle nothing, execute nothing.
    return requestId <= w.low + this.windowMax;
  }

  record(client: NodeId, requestId: number, result: Uint8Array): void {
    const w = this.clients.get(client);
    if (w === undefined) return;
    w.done.set(requestId, result);
    this.dirty.add(client);
  }

  /** The clients whose windows changed since the last call, and forget them (the checkpointer calls this). */
  takeDirtyClients(): NodeId[] {
    const out = [...this.dirty];
    this.dirty = new Set();
    return out;
  }

  /** Every client's window, for the checkpointer to encode (read-only by contract). */
  windows(): ReadonlyMap<NodeId, ClientWindow> {
    return this.clients;
  }

  /** Replace the whole cache by one installed from a checkpoint (state transfer). */
  install(windows: Map<NodeId, ClientWindow>): void {
    this.clients = windows;
    this.dirty = new Set();
  }

  /** Executed requests tracked above the low-water marks (bounded by clients × windowMax). */
  size(): number {
    let total = 0;
    for (const w of this.clients.values()) total += w.done.size;
    return total;
  }

  private raise(w: ClientWindow, low: number): void {
    w.low = low;
    for (const id of w.done.keys()) if (id <= low) w.done.delete(id);
  }
}
