// Proves the RSA suite (for the ITUA experiments) signs so that exactly the right signer verifies, refuses every other length, signer and tampering, and that its longer signatures travel in ITUA messages: four stacks multicast over the real codec and deliver.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codec } from '../../src/codec/frame.js';
import { timerId, type Env } from '../../src/core/env.js';
import { replicaIds } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { generateRsaKeyPair, RsaCryptoSuite } from '../../src/crypto/rsa-suite.js';
import {
  createItuaStack,
  ituaSchema,
  type GroupDelivery,
  type ItuaMessage,
} from '../../src/protocols/itua/index.js';
import type { ItuaTimer } from '../../src/protocols/itua/timers.js';

const n = 4;
const pairs = replicaIds(n).map((id) => generateRsaKeyPair(id, 1024));
const ring = NoneKeyring.fromSeed(1, replicaIds(n));
const suites = pairs.map((p) => new RsaCryptoSuite(ring.suiteFor(p.id), p, pairs));
const data = new TextEncoder().encode('rm-digest v=0 s=3');

function suite(i: number): RsaCryptoSuite {
  const s = suites[i];
  assert.ok(s !== undefined);
  return s;
}

describe('RsaCryptoSuite', () => {
  it('makes modulus-length signatures that every member verifies as the signer only', () => {
    const sig = suite(1).sign(data);
    assert.equal(sig.length, 128);
    assert.equal(suite(1).signatureBytes, 128);
    for (let i = 0; i < n; i++) assert.equal(suite(i).verify(1, data, sig), true);
    assert.equal(suite(0).verify(2, data, sig), false, 'another signer');
    assert.equal(suite(0).verify(77, data, sig), false, 'an unknown signer');
  });

  it('refuses tampered data, tampered signatures and other lengths', () => {
    const sig = suite(1).sign(data);
    const bad = new Uint8Array(sig);
    bad[5] = (bad[5] ?? 0) ^ 1;
    assert.equal(suite(0).verify(1, data, bad), false);
    assert.equal(suite(0).verify(1, data.subarray(1), sig), false);
    assert.equal(suite(0).verify(1, data, sig.subarray(0, 64)), false);
    assert.equal(suite(0).verify(1, data, new Uint8Array(256)), false);
  });

  it('refuses to mix key sizes in one suite', () => {
    const big = generateRsaKeyPair(9, 2048);
    assert.throws(() => new RsaCryptoSuite(ring.suiteFor(0), pairs[0] ?? big, [big]));
  });

  it('carries its signatures through ITUA messages: four stacks deliver over the real codec', () => {
    const wire = codec(ituaSchema);
    const queue: { from: number; to: number; frame: Uint8Array }[] = [];
    const delivered: GroupDelivery[][] = replicaIds(n).map(() => []);
    // Only the reply batches' zero timers run here (each member signs its replies under one root).
    const batches: { id: number; t: ItuaTimer }[] = [];
    const stacks = replicaIds(n).map((id) => {
      const env: Env<ItuaMessage, ItuaTimer, GroupDelivery> = {
        self: id,
        crypto: suite(id),
        log: { log() {} },
        send: (to, m) => queue.push({ from: id, to, frame: wire.encode(m) }),
        broadcast: (m) => {
          for (const to of replicaIds(n)) if (to !== id) queue.push({ from: id, to, frame: wire.encode(m) });
        },
        setTimer: (_after, t) => {
          timerId(t);
          if (t.kind === 'rm.replies') batches.push({ id, t });
        },
        cancelTimer: () => {},
        now: () => 0,
        random: () => new SeededRng(id),
        deliver: (d) => delivered[id]?.push(d),
        suspect: (node, e) => assert.fail(`${id} suspected ${node}: ${e.code}`),
      };
      return createItuaStack(env, { view: 0, members: replicaIds(n) });
    });
    for (const s of stacks) s.start();
    assert.equal(stacks[2]?.multicast('fifo', data), true);
    for (;;) {
      const m = queue.shift();
      if (m === undefined) {
        const b = batches.shift();
        if (b === undefined) break;
        stacks[b.id]?.onTimer(b.t);
        continue;
      }
      const decoded = wire.decode(m.frame);
      assert.ok(decoded.ok, 'every frame decodes');
      stacks[m.to]?.onMessage(m.from, decoded.value);
    }
    for (const got of delivered)
      assert.deepEqual(
        got.map((d) => [d.sender, [...d.data]]),
        [[2, [...data]]],
      );
  });
});
