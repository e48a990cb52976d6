/** What the gateway does with one command: answer it itself, or run one key-value op and render its result. */
import type { KvOp, KvResult } from '../kv/ops.js';
import { error } from './resp-reply.js';

export interface ConnectionInfo {
  readonly id: number;
  name: string | undefined;
  /** The gateway's port, for INFO. */
  readonly port: number;
}

export type Plan =
  | { readonly kind: 'reply'; readonly reply: Buffer; readonly close?: boolean }
  | { readonly kind: 'op'; readonly op: KvOp; readonly render: (r: KvResult) => Buffer };

export type Handler = (args: readonly Buffer[], conn: ConnectionInfo) => Plan;

/** Redis arity: n > 0 exactly n arguments with the name, n < 0 at least -n. */
export interface CommandSpec {
  readonly arity: number;
  readonly handler: Handler;
}

/** An answer from the gateway itself; `close` ends the connection once it is written (QUIT). */
export const reply = (b: Buffer, close = false): Plan => ({ kind: 'reply', reply: b, close });
export const errorPlan = (message: string): Plan => reply(error(message));
