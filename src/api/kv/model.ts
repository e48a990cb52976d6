/**
 * The key-value service as a sequential specification for the linearizability checker: the
 * state of a partition is an immutable map from key to value, and a step applies an op with
 * the very semantics the replicas execute (semantics.ts), then compares the result with the one
 * the client saw. An op whose result is unknown (it never completed) may have any result.
 */
import type { LinModel } from '../../sim/checkers/linearizability.js';
import { bytesToKey, isReadOnlyOp, opKeys, type KvOp, type KvResult } from './ops.js';
import { applyOp, KV_ERR_CAPACITY_PREFIX, type KvStore } from './semantics.js';
import { bytesEqual } from '../../core/bytes.js';

export type KvState = ReadonlyMap<string, Uint8Array>;

/** A store over a state that copies it on the first write, so states stay immutable. */
class CopyOnWrite implements KvStore {
  private copy: Map<string, Uint8Array> | undefined;
  constructor(private readonly base: KvState) {}
  get(k: string): Uint8Array | undefined {
    return (this.copy ?? this.base).get(k);
  }
  put(k: string, v: Uint8Array): undefined {
    this.copy ??= new Map(this.base);
    this.copy.set(k, v);
    return undefined;
  }
  delete(k: string): boolean {
    if (!(this.copy ?? this.base).has(k)) return false;
    this.copy ??= new Map(this.base);
    return this.copy.delete(k);
  }
  result(): KvState {
    return this.copy ?? this.base;
  }
}

export function sameResult(a: KvResult, b: KvResult): boolean {
  switch (a.kind) {
    case 'ok':
    case 'nil':
      return b.kind === a.kind;
    case 'bulk':
      return b.kind === 'bulk' && bytesEqual(a.value, b.value);
    case 'int':
      return b.kind === 'int' && a.value === b.value;
    case 'error':
      return b.kind === 'error' && a.message === b.message;
    case 'array': {
      if (b.kind !== 'array' || a.values.length !== b.values.length) return false;
      return a.values.every((v, i) => {
        const w = b.values[i];
        return v === undefined || w === undefined ? v === w : bytesEqual(v, w);
      });
    }
  }
}

/** A fresh model per check: it interns values so that memoization keys stay short. */
export function kvModel(): LinModel<KvState, KvOp, KvResult> {
  const interned = new Map<string, number>();
  const keyOf = new WeakMap<KvState, string>();
  const id = (v: Uint8Array): number => {
    const s = bytesToKey(v);
    let n = interned.get(s);
    if (n === undefined) interned.set(s, (n = interned.size));
    return n;
  };
  return {
    init: () => new Map(),
    step(state, op, observed) {
      const store = new CopyOnWrite(state);
      const expected = applyOp(store, op);
      if (observed === undefined) return store.result();
      // A bound of the service refused it: it had no effect, and no model could have predicted it.
      if (observed.kind === 'error' && observed.message.startsWith(KV_ERR_CAPACITY_PREFIX)) return state;
      return sameResult(expected, observed) ? store.result() : undefined;
    },
    stateKey(state) {
      let k = keyOf.get(state);
      if (k !== undefined) return k;
      k = [...state.entries()]
        .map(([key, v]) => `${key}\u0000${id(v)}`)
        .sort()
        .join('\u0001');
      keyOf.set(state, k);
      return k;
    },
    keysOf: (op) => opKeys(op).map(bytesToKey),
    isReadOnly: isReadOnlyOp,
    describeOp,
    describeResult,
  };
}

const show = (b: Uint8Array): string => {
  const s = bytesToKey(b);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
};

export function describeOp(op: KvOp): string {
  switch (op.kind) {
    case 'get':
      return `GET ${show(op.key)}`;
    case 'set': {
      const flags = `${op.condition === 'always' ? '' : ` ${op.condition.toUpperCase()}`}${op.returnOld ? ' GET' : ''}`;
      return `SET ${show(op.key)} ${show(op.value)}${flags}`;
    }
    case 'incr':
      return op.delta === 1n ? `INCR ${show(op.key)}` : `INCRBY ${show(op.key)} ${op.delta}`;
    case 'cas':
      return `CAS ${show(op.key)} ${op.expected === undefined ? '(absent)' : show(op.expected)} ${show(op.value)}`;
    default:
      return `${op.kind.toUpperCase()} ${op.keys.map(show).join(' ')}`;
  }
}

export function describeResult(r: KvResult): string {
  switch (r.kind) {
    case 'ok':
      return 'OK';
    case 'nil':
      return '(nil)';
    case 'bulk':
      return show(r.value);
    case 'int':
      return String(r.value);
    case 'array':
      return `[${r.values.map((v) => (v === undefined ? '(nil)' : show(v))).join(', ')}]`;
    case 'error':
      return `(error) ${r.message}`;
  }
}
