/**
 * The application a simulated cluster serves: its service, the operations clients send, and
 * the invariants specific to it (for the key-value store, linearizability of the client
 * history). The counter is the default; others register here.
 */
import type { SeededRng } from '../core/rng.js';
import { CounterService, type Service } from '../smr/service.js';
import { kvApp } from './apps/kv.js';
import type { Checker } from './checkers/index.js';

export interface SimApp {
  readonly name: string;
  makeService(replyBytes: number): Service;
  /** The next operation a client sends. */
  nextOp(rng: SeededRng, requestBytes: number): { op: Uint8Array; readOnly: boolean };
  /** Fresh checkers for one run (they keep per-run state). */
  checkers(): Checker[];
}

/** Random ops against a counter: every result is the execution rank, so any divergence shows. */
export const counterApp: SimApp = {
  name: 'counter',
  makeService: (replyBytes) => new CounterService(replyBytes),
  nextOp(rng, requestBytes) {
    const op = new Uint8Array(requestBytes);
    for (let i = 0; i < op.byteLength; i++) op[i] = rng.int(256);
    return { op, readOnly: false };
  },
  checkers: () => [],
};

const apps = new Map<string, SimApp>([
  [counterApp.name, counterApp],
  [kvApp.name, kvApp],
]);

export function registerApp(app: SimApp): void {
  apps.set(app.name, app);
}

export function simApp(name: string): SimApp | undefined {
  return apps.get(name);
}

export function appNames(): string[] {
  return [...apps.keys()];
}
