// Proves what a reconfiguration command must satisfy before it takes effect, and that the
// verdict is the request's result: a command signed by anyone but the administrator, a replayed
// one (its epoch is no longer the next), one while a switch is pending, one naming an unknown
// protocol, non-hosts or too few members are refused; a valid one ends the epoch at max(seq,
// atSeq). Also that no key-value op can be mistaken for a system op, and that the switch record
// survives a checkpoint round trip through the service's pages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kvOpCodec } from '../../../src/api/kv/ops.js';
import { KvService } from '../../../src/api/kv/service.js';
import type { Env, OrderingDelivery, TimerKey } from '../../../src/core/env.js';
import { silentLogger } from '../../../src/core/log.js';
import { SeededRng } from '../../../src/core/rng.js';
import { createCryptoSuite, NoneKeyring } from '../../../src/crypto/index.js';
import { protocols } from '../../../src/protocols/registry.js';
import { randomKvOp } from '../../../src/sim/apps/kv.js';
import {
  encodeCommandOp,
  isSystemOp,
  switchingDefaults,
  switchingReplica,
  type Command,
  type SwitchingMessage,
} from '../../../src/smr/switching/index.js';

const ADMIN = 1_999;
const keyring = NoneKeyring.fromSeed(7, [0, 1, 2, 3, ADMIN]);
const suite = (self: number) => createCryptoSuite({ mode: 'none', context: 'sim', self, keyring });

function replica() {
  const r = switchingReplica(new KvService(), {
    protocols,
    hosts: [0, 1, 2, 3],
    initial: { protocol: 'sequencer', members: [0, 1, 2, 3] },
    admin: ADMIN,
    replyQuorum: 2,
    checkpointInterval: 8,
    ...switchingDefaults,
  });
  const env: Env<SwitchingMessage, TimerKey, OrderingDelivery> = {
    self: 0,
    crypto: suite(0),
    log: silentLogger,
    send: () => {},
    broadcast: () => {},
    setTimer: () => {},
    cancelTimer: () => {},
    now: () => 0,
    random: () => new SeededRng(1),
    deliver: () => {},
    suspect: () => {},
  };
  r.module.create(env, { members: [0, 1, 2, 3], f: 1, role: 'active' });
  return r;
}

const command = (c: Partial<Command> = {}): Command => ({
  nextEpoch: 1,
  protocol: 'pbft',
  members: [0, 1, 2, 3],
  atSeq: 0,
  tuning: [],
  nonce: 1,
  ...c,
});

function run(service: ReturnType<typeof replica>['service'], op: Uint8Array, seq: number): string {
  return new TextDecoder().decode(service.execute(op, { client: ADMIN, requestId: seq, seq }));
}

describe('reconfiguration commands', () => {
  it('accepts the administrator command and ends the epoch at max(seq, atSeq)', () => {
    const { service } = replica();
    assert.equal(
      run(service, encodeCommandOp(suite(ADMIN), command({ atSeq: 20 })), 5),
      'epoch 1: pbft on [0,1,2,3] f=1 from seq 20',
    );
    assert.equal(service.record.epoch, 1);
    assert.equal(service.record.endSeq, 20);
  });

  it('refuses a command signed by a replica, and one signed by the administrator but altered', () => {
    const { service } = replica();
    assert.match(
      run(service, encodeCommandOp(suite(3), command()), 5),
      /^refused: not signed by the administrator/,
    );
    const op = encodeCommandOp(suite(ADMIN), command());
    op[op.length - 70] = (op[op.length - 70] as number) ^ 1;
    assert.match(run(service, op, 6), /^refused/);
    assert.equal(service.record.epoch, 0);
  });

  it('refuses a replayed command, and a second one while a switch is pending', () => {
    const { service } = replica();
    const first = encodeCommandOp(suite(ADMIN), command({ atSeq: 30 }));
    assert.match(run(service, first, 5), /^epoch 1/);
    assert.match(run(service, first, 9), /^refused: epoch 1 is not the next one \(2\)/);
    const second = encodeCommandOp(suite(ADMIN), command({ nextEpoch: 2, protocol: 'sequencer' }));
    assert.match(run(service, second, 10), /^refused: the switch to epoch 1 is pending/);
    assert.match(run(service, second, 31), /^epoch 2: sequencer/);
  });

  it('refuses unknown protocols, foreign or repeated members, too few members', () => {
    const { service } = replica();
    const cases: [Partial<Command>, RegExp][] = [
      [{ protocol: 'nope' }, /unknown protocol 'nope'/],
      [{ members: [0, 1, 2, 9] }, /not hosts of the cluster: 9/],
      [{ members: [0, 1, 1, 2] }, /members listed twice/],
      [{ protocol: 'sequencer', members: [0] }, /cannot give clients 2 matching replies/],
      [{ atSeq: 10_000_000 }, /more than 100000 ahead/],
    ];
    for (const [c, why] of cases)
      assert.match(run(service, encodeCommandOp(suite(ADMIN), command(c)), 5), why);
    assert.equal(service.record.epoch, 0);
  });

  it('no key-value op starts like a system op', () => {
    const rng = new SeededRng(3);
    for (let i = 0; i < 2_000; i++) assert.equal(isSystemOp(kvOpCodec.encode(randomKvOp(rng))), false);
    assert.equal(isSystemOp(encodeCommandOp(suite(ADMIN), command())), true);
  });

  it('the switch record travels with the checkpoint pages', () => {
    const a = replica().service;
    run(a, encodeCommandOp(suite(ADMIN), command()), 4);
    const pages = Array.from({ length: a.pageCount }, (_, i) => a.encodePage(i));
    const b = replica().service;
    assert.equal(b.restorePages(pages).ok, true);
    assert.deepEqual(b.record, a.record);
    assert.equal(b.restorePages(pages.slice(1)).ok, false);
  });
});
