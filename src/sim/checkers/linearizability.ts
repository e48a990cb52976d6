/**
 * Linearizability of a client history (Herlihy & Wing): is there one order of the operations,
 * consistent with their real-time order, in which every result is what the sequential service
 * would have answered? Pure: no I/O, no clock.
 *
 * The search is Wing & Gong's, with Lowe's memoization, as Porcupine does it: the history is a
 * list of call and return events by time; the search linearizes a call whose op the model
 * accepts, backtracks when it meets a return whose call it has not linearized, and never
 * revisits a (set of linearized ops, model state) pair. The history is split into independent
 * parts first (P-compositionality): ops are grouped by the keys they touch, and a multi-key op
 * (MGET, DEL or EXISTS of several keys) joins the groups of all its keys into one.
 *
 * An op with no result (its client gave up, or the run ended first) may take effect at any time
 * after its call, or not at all: its return is at infinity and any result is accepted.
 *
 * Bounded: a step budget shared by the whole check; past it the outcome is 'undecided', never a hang.
 */
import { KvHistoryRecorder } from '../../api/kv/history.js';
import { kvModel } from '../../api/kv/model.js';
import type { KvOp, KvResult } from '../../api/kv/ops.js';
import type { Observation } from '../../smr/observations.js';
import type { CheckContext, Checker, EndContext } from './checker.js';

/** A sequential specification. `step` returns the next state, or undefined if the op cannot have had `output` there. */
export interface LinModel<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** Equal states give equal keys (memoization). */
  stateKey(state: S): string;
  /** Ops on disjoint keys are independent. */
  keysOf(input: I): readonly string[];
  /** Ops that never change the state (removable when shrinking a counterexample). */
  isReadOnly(input: I): boolean;
  describeOp(input: I): string;
  describeResult(output: O): string;
}

export interface HistoryEntry<I, O> {
  readonly client: number;
  readonly op: I;
  /** When the client invoked it. */
  readonly call: number;
  /** When the client got its result; ignored when there is no result. */
  readonly ret: number | undefined;
  /** Undefined: the op never completed (it may or may not have taken effect). */
  readonly result: O | undefined;
}

export type LinearizabilityOutcome<I, O> =
  | { readonly outcome: 'ok'; readonly partitions: number; readonly steps: number }
  | {
      readonly outcome: 'violation';
      /** The keys of the part of the history that has no linearization. */
      readonly keys: readonly string[];
      /** A small sub-history that is itself not linearizable, by call time. */
      readonly ops: readonly HistoryEntry<I, O>[];
      readonly description: string;
      readonly steps: number;
    }
  | { readonly outcome: 'undecided'; readonly reason: string; readonly steps: number };

export interface CheckOptions {
  /** Search steps for the whole check, counterexample shrinking included (default 5,000,000). */
  readonly stepsMax?: number;
}

/** Checks a key-value history against the service's semantics. */
export function checkKvHistory(
  history: readonly HistoryEntry<KvOp, KvResult>[],
  options: CheckOptions = {},
): LinearizabilityOutcome<KvOp, KvResult> {
  return checkLinearizable(history, kvModel(), options);
}

export function checkLinearizable<S, I, O>(
  history: readonly HistoryEntry<I, O>[],
  model: LinModel<S, I, O>,
  options: CheckOptions = {},
): LinearizabilityOutcome<I, O> {
  const budget = { left: options.stepsMax ?? 5_000_000, used: 0 };
  const parts = partition(history, model);
  let undecided: string | undefined;
  for (const part of parts) {
    const r = search(part.ops, model, budget);
    if (r === 'ok') continue;
    if (r === 'undecided') {
      undecided ??= `step budget spent on the part of keys ${part.keys.slice(0, 5).join(', ')} (${part.ops.length} ops)`;
      continue;
    }
    const ops = shrink(part.ops, model, budget);
    return {
      outcome: 'violation',
      keys: part.keys,
      ops,
      description: describe(part.keys, ops, model),
      steps: budget.used,
    };
  }
  if (undecided !== undefined) return { outcome: 'undecided', reason: undecided, steps: budget.used };
  return { outcome: 'ok', partitions: parts.length, steps: budget.used };
}

interface Part<I, O> {
  readonly keys: string[];
  readonly ops: HistoryEntry<I, O>[];
}

/** Groups ops by connected keys (union-find over the keys each op touches). */
function partition<S, I, O>(history: readonly HistoryEntry<I, O>[], model: LinModel<S, I, O>): Part<I, O>[] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    for (let x = k; x !== root;) {
      const next = parent.get(x) as string;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  const keysOf = history.map((h) => model.keysOf(h.op));
  for (const keys of keysOf) {
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (let i = 1; i < keys.length; i++) parent.set(find(keys[i] as string), find(keys[0] as string));
  }
  const parts = new Map<string, Part<I, O>>();
  // An op that names no key touches no state: it gets a part of its own.
  history.forEach((h, i) => {
    const first = keysOf[i]?.[0];
    const root = first === undefined ? `\u0000op${i}` : find(first);
    let part = parts.get(root);
    if (part === undefined) parts.set(root, (part = { keys: [], ops: [] }));
    part.ops.push(h);
  });
  for (const k of parent.keys()) parts.get(find(k))?.keys.push(k);
  return [...parts.values()];
}

type SearchResult = 'ok' | 'violation' | 'undecided';

/** Events by time, calls before returns at equal times (so such ops count as concurrent). Node 2i is op i's call, 2i+1 its return. */
function eventOrder<I, O>(ops: readonly HistoryEntry<I, O>[]): number[] {
  const time = (node: number): number => {
    const h = ops[node >> 1] as HistoryEntry<I, O>;
    if ((node & 1) === 0) return h.call;
    return h.result === undefined || h.ret === undefined ? Infinity : h.ret;
  };
  const nodes = Array.from({ length: ops.length * 2 }, (_, i) => i);
  return nodes.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
}

/** Wing & Gong's search with Lowe's memoization over one part of the history. */
function search<S, I, O>(
  ops: readonly HistoryEntry<I, O>[],
  model: LinModel<S, I, O>,
  budget: { left: number; used: number },
): SearchResult {
  const m = ops.length;
  const head = 2 * m;
  const next = new Int32Array(2 * m + 1).fill(-1);
  const prev = new Int32Array(2 * m + 1).fill(-1);
  let last = head;
  for (const node of eventOrder(ops)) {
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  const lift = (i: number): void => {
    for (const x of [2 * i, 2 * i + 1]) {
      next[prev[x] as number] = next[x] as number;
      if (next[x] !== -1) prev[next[x] as number] = prev[x] as number;
    }
  };
  const unlift = (i: number): void => {
    for (const x of [2 * i + 1, 2 * i]) {
      next[prev[x] as number] = x;
      if (next[x] !== -1) prev[next[x] as number] = x;
    }
  };
  const bits = new Bitset(m);
  const seen = new Set<string>();
  const stack: { i: number; state: S }[] = [];
  let state = model.init();
  let entry = next[head] as number;
  while (next[head] !== -1) {
    if (budget.left-- <= 0) return 'undecided';
    budget.used++;
    if ((entry & 1) === 0) {
      const i = entry >> 1;
      const h = ops[i] as HistoryEntry<I, O>;
      const after = model.step(state, h.op, h.result);
      if (after !== undefined) {
        bits.set(i);
        const key = `${bits.key()}|${model.stateKey(after)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ i, state });
          state = after;
          lift(i);
          entry = next[head] as number;
          continue;
        }
        bits.clear(i);
      }
      entry = next[entry] as number;
      continue;
    }
    // A return whose call is not linearized yet: undo the last choice and try the next one.
    const top = stack.pop();
    if (top === undefined) return 'violation';
    state = top.state;
    bits.clear(top.i);
    unlift(top.i);
    entry = next[2 * top.i] as number;
  }
  return 'ok';
}

class Bitset {
  private readonly words: Uint16Array;
  constructor(size: number) {
    this.words = new Uint16Array(Math.ceil(size / 16) + 1);
  }
  set(i: number): void {
    this.words[i >> 4] = (this.words[i >> 4] as number) | (1 << (i & 15));
  }
  clear(i: number): void {
    this.words[i >> 4] = (this.words[i >> 4] as number) & ~(1 << (i & 15));
  }
  key(): string {
    let out = '';
    // In slices: a spread of a very long array would exceed the engine's argument limit.
    for (let i = 0; i < this.words.length; i += 4096)
      out += String.fromCharCode(...this.words.subarray(i, i + 4096));
    return out;
  }
}

/**
 * A smaller history that is still not linearizable. Two sound reductions: cut the history at the
 * earliest time t at which the ops called by t already have no linearization (ops still running
 * at t count as unfinished), then drop reads one by one while it stays a violation (a history
 * with a linearization keeps one without any of its reads).
 */
function shrink<S, I, O>(
  ops: readonly HistoryEntry<I, O>[],
  model: LinModel<S, I, O>,
  budget: { left: number; used: number },
): HistoryEntry<I, O>[] {
  const violates = (h: readonly HistoryEntry<I, O>[]): boolean => search(h, model, budget) === 'violation';
  const cuts = [...new Set(ops.filter((h) => h.result !== undefined).map((h) => h.ret as number))].sort(
    (a, b) => a - b,
  );
  const cutAt = (t: number): HistoryEntry<I, O>[] =>
    ops
      .filter((h) => h.call <= t)
      .map((h) =>
        h.result !== undefined && (h.ret as number) <= t ? h : { ...h, ret: undefined, result: undefined },
      );
  let lo = 0;
  let hi = cuts.length - 1;
  let best: HistoryEntry<I, O>[] = [...ops];
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const candidate = cutAt(cuts[mid] as number);
    if (violates(candidate)) {
      best = candidate;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  if (best.length <= 64) {
    for (let i = best.length - 1; i >= 0; i--) {
      if (!model.isReadOnly((best[i] as HistoryEntry<I, O>).op)) continue;
      const without = best.filter((_, j) => j !== i);
      if (violates(without)) best = without;
    }
  }
  return best.sort((a, b) => a.call - b.call);
}

function describe<S, I, O>(
  keys: readonly string[],
  ops: readonly HistoryEntry<I, O>[],
  model: LinModel<S, I, O>,
): string {
  const lines = ops.slice(0, 20).map((h) => {
    const result = h.result === undefined ? '(no result)' : model.describeResult(h.result);
    const span = `[${h.call}, ${h.result === undefined ? '…' : h.ret}]`;
    return `  client ${h.client}: ${model.describeOp(h.op)} -> ${result} ${span}`;
  });
  if (ops.length > 20) lines.push(`  … and ${ops.length - 20} more`);
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k));
  return `no linearization of ${ops.length} ops on key${keys.length > 1 ? 's' : ''} ${shown.join(', ')}${keys.length > 5 ? ', …' : ''}:\n${lines.join('\n')}`;
}

/**
 * The simulator's checker: records the key-value history of every client from the observations
 * and checks it when the run ends. An 'undecided' outcome (budget spent) is not a violation; it
 * is kept in `last` for the run's report.
 */
export interface KvLinearizabilityChecker extends Checker {
  observe(obs: Observation, ctx?: CheckContext): string | undefined;
  finish(ctx?: EndContext): string[];
  /** The outcome of the last finish(). */
  readonly last: LinearizabilityOutcome<KvOp, KvResult> | undefined;
}

export function kvLinearizabilityChecker(options: CheckOptions = {}): KvLinearizabilityChecker {
  const recorder = new KvHistoryRecorder();
  const checker = {
    name: 'linearizability',
    last: undefined as LinearizabilityOutcome<KvOp, KvResult> | undefined,
    observe(obs: Observation): undefined {
      recorder.observe(obs);
      return undefined;
    },
    finish(): string[] {
      const h = recorder.history();
      const found = h.undecodableResults
        .slice(0, 3)
        .map((r) => `client ${r.client} accepted an undecodable result for request ${r.requestId}`);
      const outcome = checkKvHistory(h.entries, options);
      checker.last = outcome;
      if (outcome.outcome === 'violation') found.push(outcome.description);
      return found;
    },
  };
  return checker;
}
