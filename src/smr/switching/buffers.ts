/**
 * The layer's bounded memory: messages of epochs this replica has not reached yet, requests
 * to hand to the next instance, and the epoch-info answers of peers. A Byzantine peer can fill
 * only its own share of each.
 */
import { MAC_BYTES } from '../../core/crypto-suite.js';
import type { ClientRequest } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import type { EpochInfo } from './messages.js';

/** Messages of future epochs kept at most, and per sender. */
export const FUTURE_MAX = 1024;
export const FUTURE_PER_SENDER_MAX = 256;
/** Requests remembered for resubmission to the next instance. */
export const PENDING_REQUESTS_MAX = 8192;

export interface FutureMessage {
  readonly from: NodeId;
  readonly epoch: number;
  readonly body: Uint8Array;
}

export class FutureBuffer {
  private items: FutureMessage[] = [];
  private readonly perSender = new Map<NodeId, number>();

  add(m: FutureMessage): void {
    const mine = this.perSender.get(m.from) ?? 0;
    if (this.items.length >= FUTURE_MAX || mine >= FUTURE_PER_SENDER_MAX) return;
    this.items.push(m);
    this.perSender.set(m.from, mine + 1);
  }

  /** The messages of `epoch`, in arrival order; those of earlier epochs are dropped. */
  take(epoch: number): FutureMessage[] {
    const now = this.items.filter((m) => m.epoch === epoch);
    this.items = this.items.filter((m) => m.epoch > epoch);
    this.perSender.clear();
    for (const m of this.items) this.perSender.set(m.from, (this.perSender.get(m.from) ?? 0) + 1);
    return now;
  }
}

/** Requests this replica was given but has not seen executed: the next instance orders them. */
export class PendingRequests {
  private readonly byKey = new Map<string, ClientRequest>();

  add(r: ClientRequest): void {
    const key = `${r.client}:${r.requestId}`;
    if (this.byKey.has(key) || this.byKey.size >= PENDING_REQUESTS_MAX) return;
    this.byKey.set(key, r);
  }

  executed(requests: readonly ClientRequest[]): void {
    for (const r of requests) this.byKey.delete(`${r.client}:${r.requestId}`);
  }

  drain(): ClientRequest[] {
    const out = [...this.byKey.values()];
    this.byKey.clear();
    return out;
  }
}

/** Epoch-info answers, one per sender (its latest): f+1 identical ones are believed. */
export class InfoVotes {
  private readonly bySender = new Map<NodeId, { key: string; info: EpochInfo }>();

  /** Records `info` from `from`; returns the senders that sent the same answer. */
  add(from: NodeId, info: EpochInfo, key: string): NodeId[] {
    this.bySender.set(from, { key, info });
    const same: NodeId[] = [];
    for (const [sender, v] of this.bySender) if (v.key === key) same.push(sender);
    return same;
  }

  clear(): void {
    this.bySender.clear();
  }
}

const ZERO_MAC = new Uint8Array(MAC_BYTES);

/**
 * A client's authenticator is in the cluster's host order (replica-node.ts checks this replica's
 * entry there); an epoch's protocol checks the entry at its rank among the epoch's members. The
 * inner protocol gets the entries in member order, followed by the original vector, so the
 * request can be handed back to a later epoch exactly as the client sent it.
 */
export function toEpochAuth(
  r: ClientRequest,
  members: readonly NodeId[],
  hosts: readonly NodeId[],
): ClientRequest {
  const original = r.auth.length > hosts.length ? r.auth.slice(0, hosts.length) : r.auth;
  const ranked = members.map((m) => original[hosts.indexOf(m)] ?? ZERO_MAC);
  return { ...r, auth: [...ranked, ...original] };
}

export function fromEpochAuth(r: ClientRequest, members: readonly NodeId[]): ClientRequest {
  return { ...r, auth: r.auth.slice(members.length) };
}
