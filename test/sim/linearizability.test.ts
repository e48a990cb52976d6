// Proves the linearizability checker (Wing & Gong search with Lowe's memoization) is right on
// hand-written histories whose answer is known: it accepts linearizable ones, rejects the classic
// anomalies (stale read, reads that see writes in opposite orders, a lost INCR, a CAS that
// succeeds twice) with the key and a small set of ops, treats unfinished ops as "took effect
// later or never", gives up as 'undecided' on its step budget, and checks a random
// linearizable history of 2,000 ops over 10 keys from 8 clients in well under a second; the
// simulator's checker builds the history from observations (a failed request stays unfinished).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../../src/core/rng.js';
import { kvOpCodec, kvResultCodec, type KvOp, type KvResult } from '../../src/api/kv/ops.js';
import type { Observation } from '../../src/smr/observations.js';
import { checkKvHistory, kvLinearizabilityChecker } from '../../src/sim/checkers/linearizability.js';
import { h, op, randomLinearizableHistory, res, singleKeyOp, type KvEntry } from '../api/kv-helpers.js';

const A = 1000;
const B = 1001;
const C = 1002;

function assertOk(history: KvEntry[]): void {
  const r = checkKvHistory(history);
  assert.equal(r.outcome, 'ok', r.outcome === 'violation' ? r.description : JSON.stringify(r));
}

function assertViolation(history: KvEntry[], keys: string[], opsMax: number): void {
  const r = checkKvHistory(history);
  assert.equal(r.outcome, 'violation', `expected a violation, got ${r.outcome}`);
  if (r.outcome !== 'violation') return;
  assert.deepEqual([...r.keys].sort(), keys);
  assert.ok(r.ops.length <= opsMax, `counterexample of ${r.ops.length} ops:\n${r.description}`);
  for (const k of keys) assert.match(r.description, new RegExp(k));
}

describe('linearizability checker: linearizable histories', () => {
  it('accepts a sequential history, and an empty one', () => {
    assertOk([]);
    assertOk([
      h(A, op.set('k', '1'), 0, 1, res.ok()),
      h(A, op.get('k'), 2, 3, res.bulk('1')),
      h(B, op.incr('n'), 4, 5, res.int(1)),
      h(B, op.cas('k', '1', '2'), 6, 7, res.int(1)),
      h(A, op.mget('k', 'n', 'x'), 8, 9, res.array('2', '1', undefined)),
      h(A, op.del('k', 'x'), 10, 11, res.int(1)),
      h(B, op.exists('k', 'n', 'n'), 12, 13, res.int(2)),
    ]);
  });

  it('accepts a read concurrent with a write seeing either the old or the new value', () => {
    for (const seen of [res.nil(), res.bulk('1')]) {
      assertOk([h(A, op.set('k', '1'), 0, 10, res.ok()), h(B, op.get('k'), 5, 6, seen)]);
    }
  });

  it('accepts concurrent INCRs whose results are a permutation', () => {
    assertOk([
      h(A, op.incr('n'), 0, 10, res.int(2)),
      h(B, op.incr('n'), 1, 9, res.int(3)),
      h(C, op.incr('n'), 2, 8, res.int(1)),
    ]);
  });

  it('accepts an MGET that sees an atomic point between concurrent writes to two keys', () => {
    assertOk([
      h(A, op.set('x', '1'), 0, 100, res.ok()),
      h(B, op.set('y', '1'), 0, 100, res.ok()),
      h(C, op.mget('x', 'y'), 10, 20, res.array('1', undefined)),
      h(C, op.mget('x', 'y'), 30, 40, res.array('1', '1')),
    ]);
  });
});

describe('linearizability checker: known violations', () => {
  it('rejects a stale read after a completed write', () => {
    assertViolation(
      [
        h(A, op.set('k', '1'), 0, 1, res.ok()),
        h(A, op.set('other', '1'), 2, 3, res.ok()),
        h(B, op.get('k'), 4, 5, res.nil()),
        h(B, op.get('k'), 6, 7, res.nil()),
      ],
      ['k'],
      2,
    );
  });

  it('rejects two readers that observe two concurrent writes in opposite orders', () => {
    assertViolation(
      [
        h(A, op.set('k', '1'), 0, 100, res.ok()),
        h(B, op.set('k', '2'), 0, 100, res.ok()),
        h(C, op.get('k'), 10, 11, res.bulk('1')),
        h(C, op.get('k'), 12, 13, res.bulk('2')),
        h(1003, op.get('k'), 10, 11, res.bulk('2')),
        h(1003, op.get('k'), 12, 13, res.bulk('1')),
      ],
      ['k'],
      6,
    );
  });

  it('rejects MGETs that see writes to two keys in opposite orders (a multi-key part)', () => {
    assertViolation(
      [
        h(A, op.set('x', '1'), 0, 100, res.ok()),
        h(B, op.set('y', '1'), 0, 100, res.ok()),
        h(C, op.mget('x', 'y'), 10, 20, res.array('1', undefined)),
        h(1003, op.mget('x', 'y'), 10, 20, res.array(undefined, '1')),
        h(1003, op.get('z'), 10, 20, res.nil()),
      ],
      ['x', 'y'],
      4,
    );
  });

  it('rejects a lost INCR (two increments that both answer 1)', () => {
    assertViolation([h(A, op.incr('n'), 0, 10, res.int(1)), h(B, op.incr('n'), 1, 11, res.int(1))], ['n'], 2);
  });

  it('rejects a CAS that succeeds twice from the same expected value', () => {
    assertViolation(
      [
        h(A, op.set('k', 'a'), 0, 1, res.ok()),
        h(B, op.cas('k', 'a', 'b'), 2, 10, res.int(1)),
        h(C, op.cas('k', 'a', 'c'), 3, 11, res.int(1)),
      ],
      ['k'],
      3,
    );
  });

  it('rejects a result no state could give (INCR of an integer reported as an error)', () => {
    assertViolation(
      [
        h(A, op.set('n', '5'), 0, 1, res.ok()),
        h(A, op.incr('n'), 2, 3, res.error('ERR value is not an integer or out of range')),
      ],
      ['n'],
      2,
    );
  });
});

describe('linearizability checker: ops that never completed', () => {
  const pendingSet = h(A, op.set('k', '1'), 0, undefined, undefined);

  it('lets an unfinished write take effect later, or never', () => {
    assertOk([pendingSet, h(B, op.get('k'), 50, 51, res.bulk('1'))]);
    assertOk([pendingSet, h(B, op.get('k'), 50, 51, res.nil())]);
    assertOk([pendingSet, h(B, op.get('k'), 50, 51, res.nil()), h(B, op.get('k'), 60, 61, res.bulk('1'))]);
    // A client that gave up has a return time, but the op may still take effect after it.
    assertOk([h(A, op.set('k', '1'), 0, 5, undefined), h(B, op.get('k'), 50, 51, res.bulk('1'))]);
  });

  it('still lets an unfinished write take effect only once, and not before its call', () => {
    assertViolation(
      [pendingSet, h(B, op.get('k'), 50, 51, res.bulk('1')), h(B, op.get('k'), 60, 61, res.nil())],
      ['k'],
      3,
    );
    assertViolation(
      [h(B, op.get('k'), 0, 1, res.bulk('1')), h(A, op.set('k', '1'), 5, undefined, undefined)],
      ['k'],
      2,
    );
  });
});

describe('linearizability checker: bounds and speed', () => {
  it("answers 'undecided' when the step budget runs out, without hanging", () => {
    const history = randomLinearizableHistory(new SeededRng(7), 400, 1, 8, singleKeyOp);
    const r = checkKvHistory(history, { stepsMax: 50 });
    assert.equal(r.outcome, 'undecided');
    if (r.outcome === 'undecided') assert.match(r.reason, /budget/);
  });

  it('checks 2,000 random linearizable ops over 10 keys from 8 clients in well under a second', () => {
    for (const seed of [1, 2, 3]) {
      const history = randomLinearizableHistory(new SeededRng(seed), 2000, 10, 8, singleKeyOp);
      const t0 = performance.now();
      const r = checkKvHistory(history);
      const ms = performance.now() - t0;
      assert.equal(r.outcome, 'ok', r.outcome === 'violation' ? r.description : r.outcome);
      assert.ok(ms < 500, `seed ${seed}: ${ms.toFixed(0)} ms`);
    }
  });

  it('finds a lost write planted in a random history', () => {
    const history = randomLinearizableHistory(new SeededRng(11), 2000, 10, 8, singleKeyOp);
    const last = Math.max(...history.map((e) => e.ret as number));
    history.push(h(1100, op.set('k3', 'planted'), last + 10, last + 11, res.ok()));
    history.push(h(1101, op.get('k3'), last + 20, last + 21, res.nil()));
    const r = checkKvHistory(history);
    assert.equal(r.outcome, 'violation');
    if (r.outcome === 'violation') assert.deepEqual(r.keys, ['k3']);
  });

  it('checks a random history mixing in multi-key MGETs (one combined part)', () => {
    const mixed = (rng: SeededRng, key: () => string) =>
      rng.int(10) === 0 ? op.mget(key(), key()) : singleKeyOp(rng, key);
    const history = randomLinearizableHistory(new SeededRng(5), 1000, 10, 8, mixed);
    const r = checkKvHistory(history);
    assert.equal(r.outcome, 'ok', r.outcome === 'violation' ? r.description : r.outcome);
  });
});

describe('linearizability checker over observations', () => {
  const invoked = (client: number, requestId: number, o: KvOp, at: number): Observation => ({
    kind: 'invoked',
    client,
    requestId,
    op: kvOpCodec.encode(o),
    readOnly: o.kind === 'get',
    at,
  });
  const completed = (client: number, requestId: number, r: KvResult, at: number): Observation => ({
    kind: 'completed',
    client,
    requestId,
    result: kvResultCodec.encode(r),
    at,
  });

  it('finds a stale read, treats a failed request as unfinished, and ignores foreign ops', () => {
    const run = (observations: Observation[]) => {
      const checker = kvLinearizabilityChecker();
      for (const o of observations) checker.observe(o);
      return { found: checker.finish(), last: checker.last };
    };
    const write = [invoked(A, 1, op.set('k', '1'), 0), completed(A, 1, res.ok(), 5)];
    const foreign: Observation = {
      kind: 'invoked',
      client: C,
      requestId: 1,
      op: Uint8Array.of(9, 9),
      readOnly: false,
      at: 0,
    };
    const stale = run([...write, foreign, invoked(B, 1, op.get('k'), 10), completed(B, 1, res.nil(), 11)]);
    assert.equal(stale.found.length, 1);
    assert.match(stale.found[0] as string, /GET "k" -> \(nil\)/);
    const failedWrite: Observation[] = [
      invoked(A, 1, op.set('k', '1'), 0),
      { kind: 'failed', client: A, requestId: 1, reason: 'retries', at: 5 },
      invoked(B, 1, op.get('k'), 10),
      completed(B, 1, res.bulk('1'), 11),
    ];
    assert.deepEqual(run(failedWrite).found, []);
    assert.equal(run(failedWrite).last?.outcome, 'ok');
  });
});
