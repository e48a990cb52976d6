// Proves the group simulator's checkers catch what they claim to: each test feeds a hand-written
// sequence of observations (multicasts, deliveries, suspicions, crashes) that breaks exactly one
// property, and asserts that checker, and only it, reports the break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Guarantee } from '../../src/protocols/itua/index.js';
import { groupSafetyCheckers } from '../../src/sim/group/checkers.js';
import { appData, type GroupCheckContext, type GroupObservation } from '../../src/sim/group/observations.js';
import { Outcome } from '../../src/sim/group/outcome.js';

const byzantine = new Set([3]);
const ctx = (now = 0, crashed: number[] = []): GroupCheckContext => ({
  now,
  step: 0,
  isCorrect: (r) => !byzantine.has(r),
  isUp: (r) => !crashed.includes(r),
  stableAtMs: 2_000,
  graceMs: 1_000,
});

const data = (origin: number, index: number) => appData(origin, index, Uint8Array.of(index));
const mc = (member: number, index: number, guarantee: Guarantee = 'total'): GroupObservation => ({
  kind: 'multicast',
  member,
  index,
  guarantee,
  data: data(member, index),
});
const dv = (
  member: number,
  sender: number,
  seq: number,
  index: number,
  guarantee: Guarantee = 'total',
): GroupObservation => ({
  kind: 'deliver',
  member,
  delivery: {
    kind: 'deliver',
    sender,
    seq,
    guarantee,
    order: guarantee === 'total' ? seq * 4 + sender : undefined,
    data: data(sender, index),
  },
});

/** Runs the safety checkers over `events`; returns the names of the checkers that objected. */
function judge(events: readonly (GroupObservation | [GroupObservation, number])[]): string[] {
  const checkers = groupSafetyCheckers();
  const found: string[] = [];
  for (const e of events) {
    const [obs, now] = Array.isArray(e) ? e : [e, 0];
    for (const c of checkers) if (c.observe(obs, ctx(now)) !== undefined) found.push(c.name);
  }
  return found;
}

describe('group checkers', () => {
  it('accept a run in which everything holds', () => {
    assert.deepEqual(
      judge([mc(0, 0), mc(1, 0), dv(0, 0, 1, 0), dv(2, 0, 1, 0), dv(0, 1, 1, 0), dv(2, 1, 1, 0)]),
      [],
    );
  });

  it('integrity: a message delivered twice, or one its correct sender never multicast', () => {
    assert.deepEqual(
      judge([mc(0, 0), dv(1, 0, 1, 0), dv(1, 0, 1, 0)]),
      ['integrity', 'fifo'],
      'and out of order too',
    );
    assert.deepEqual(judge([mc(0, 0), dv(1, 0, 1, 5)]), ['integrity']);
    assert.deepEqual(
      judge([mc(0, 0, 'fifo'), dv(1, 0, 1, 0, 'total')]),
      ['integrity'],
      'the guarantee is part of it',
    );
    assert.deepEqual(judge([dv(1, 3, 1, 0, 'fifo')]), [], 'a Byzantine sender may send what it likes, once');
  });

  it('fifo: a correct sender’s messages delivered out of their order', () => {
    assert.deepEqual(
      judge([mc(0, 0, 'fifo'), mc(0, 1, 'fifo'), dv(1, 0, 2, 1, 'fifo'), dv(1, 0, 1, 0, 'fifo')]),
      ['fifo'],
    );
  });

  it('total order: two correct members that deliver ordered messages in different orders', () => {
    const events = [mc(0, 0), mc(1, 0), dv(0, 0, 1, 0), dv(0, 1, 1, 0), dv(2, 1, 1, 0), dv(2, 0, 1, 0)];
    assert.deepEqual(judge(events), ['total-order'], 'found when the second member inverts the pair');
    const gaps = [mc(0, 0), mc(1, 0), dv(0, 0, 1, 0), dv(0, 1, 1, 0), dv(2, 1, 1, 0)];
    assert.deepEqual(judge(gaps), [], 'a member that misses a message inverts nothing');
  });

  it('agreement: two correct members that deliver different contents under one sequence number', () => {
    assert.deepEqual(judge([dv(0, 3, 1, 0, 'fifo'), dv(1, 3, 1, 1, 'fifo')]), ['agreement']);
  });

  it('accuracy: evidence against a correct member, or a timeout after stabilization and its grace', () => {
    const s = (code: 'EQUIVOCATION' | 'ORDER_STALL', suspect: number): GroupObservation => ({
      kind: 'suspect',
      member: 0,
      suspect,
      code,
    });
    assert.deepEqual(judge([s('EQUIVOCATION', 1)]), ['accuracy']);
    assert.deepEqual(judge([s('EQUIVOCATION', 3)]), [], 'evidence against a Byzantine member is right');
    assert.deepEqual(
      judge([[s('ORDER_STALL', 1), 2_500]]),
      [],
      'a timeout while the network settles is tolerated',
    );
    assert.deepEqual(judge([[s('ORDER_STALL', 1), 3_500]]), ['accuracy']);
  });

  it('outcome: partial delivery, undelivered multicasts and faulty members not excluded are reported at the end', () => {
    const o = new Outcome({
      n: 4,
      isCorrect: (r) => !byzantine.has(r),
      required: new Map([[3, 'EQUIVOCATION']]),
    });
    const view = (member: number, id: number, members: number[]): GroupObservation => ({
      kind: 'view',
      member,
      view: id,
      members,
      left: [],
      transitional: false,
    });
    for (const m of [0, 1, 2]) o.observe(view(m, 0, [0, 1, 2, 3]));
    const end = { isUp: () => true, issuedAll: true, now: 8_000, stableAtMs: 2_000 };
    for (const e of [mc(0, 0), mc(0, 1), dv(0, 0, 1, 0), dv(1, 0, 1, 0), dv(2, 0, 1, 0), dv(0, 3, 1, 0)])
      o.observe(e);
    for (const m of [0, 1]) o.observe(view(m, 1, [0, 1, 2]));
    assert.equal(o.isComplete(end), false);
    assert.deepEqual(
      o.finish(end).map((v) => v.invariant),
      ['agreement', 'liveness', 'membership-liveness', 'membership-liveness'],
      'faulty member 3 still in member 2’s view, and members in different views',
    );
    for (const m of [0, 1, 2]) o.observe(dv(m, 0, 2, 1));
    for (const m of [1, 2]) o.observe(dv(m, 3, 1, 0));
    o.observe(view(2, 1, [0, 1, 2]));
    assert.equal(o.isComplete(end), true);
    assert.deepEqual(o.finish(end), []);
    o.observe({ kind: 'crash', member: 1 });
    assert.deepEqual(
      o.finish({ ...end, isUp: (r) => r !== 1 }).map((v) => v.message),
      ['faulty member 1 (HEARTBEAT_TIMEOUT) still in the view of correct members [0,2]'],
      'a crashed member must be found by its silence and excluded',
    );
  });
});
