// Proves the key-value service has Redis's semantics for every op, through its binary encoding:
// it runs each op through KvService.execute (or query) via the typed KvClient and the raw codec,
// and checks results, Redis's error messages (INCR of a non-integer, 64-bit overflow), CAS with
// a value and with "absent", SET NX/XX/GET, that a malformed op gets an error result instead of
// a throw, that query() refuses writes, and that the service's bounds give error results.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvError } from '../../src/api/kv/client.js';
import { I64_MAX, I64_MIN, kvOpCodec, kvResultCodec, utf8, type KvOp } from '../../src/api/kv/ops.js';
import { KV_ERR_NOT_INTEGER, KV_ERR_OVERFLOW, parseI64 } from '../../src/api/kv/semantics.js';
import { bucketOf, KvService } from '../../src/api/kv/service.js';
import { limits } from '../../src/core/limits.js';
import { b, localKvClient, op, res } from './kv-helpers.js';

const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());
const run = (s: KvService, o: KvOp) => {
  const r = kvResultCodec.decode(s.execute(kvOpCodec.encode(o), { client: 1000, requestId: 1, seq: 1 }));
  assert.ok(r.ok);
  return r.value;
};

describe('KvService semantics', () => {
  it('GET, SET, DEL, EXISTS, MGET on bytes', async () => {
    const { client } = localKvClient();
    assert.equal(await client.get('k'), undefined);
    assert.equal(await client.set('k', 'v'), true);
    assert.equal(text(await client.get('k')), 'v');
    const binary = Uint8Array.of(0, 255, 13, 10);
    await client.set(binary, binary);
    assert.deepEqual(await client.get(binary), binary);
    assert.deepEqual((await client.mget('k', 'nope', binary)).map(text), ['v', undefined, text(binary)]);
    assert.equal(await client.exists('k', 'k', 'nope'), 2, 'EXISTS counts a repeated key each time');
    assert.equal(await client.del('k', 'k', 'nope'), 1, 'DEL counts keys it removed');
    assert.equal(await client.exists('k'), 0);
    await client.set('e', '');
    assert.equal(await client.exists('e'), 1, 'an empty value is a value');
  });

  it('SET NX, XX and GET as Redis does', () => {
    const s = new KvService();
    const set = (key: string, v: string, condition: 'always' | 'nx' | 'xx', returnOld = false): KvOp => ({
      kind: 'set',
      key: b(key),
      value: b(v),
      condition,
      returnOld,
    });
    assert.deepEqual(run(s, set('k', '1', 'xx')), res.nil(), 'XX on an absent key does nothing');
    assert.deepEqual(run(s, set('k', '1', 'nx')), res.ok());
    assert.deepEqual(run(s, set('k', '2', 'nx')), res.nil(), 'NX on a present key does nothing');
    assert.deepEqual(run(s, set('k', '3', 'xx', true)), res.bulk('1'), 'GET answers the old value');
    assert.deepEqual(run(s, set('k', '4', 'nx', true)), res.bulk('3'), 'NX GET: the old value, and no write');
    assert.deepEqual(run(s, op.get('k')), res.bulk('3'));
    assert.deepEqual(run(s, set('new', 'x', 'always', true)), res.nil());
  });

  it("INCR: starts at 0, refuses non-integers with Redis's message, checks 64-bit overflow", async () => {
    const { client } = localKvClient();
    assert.equal(await client.incr('n'), 1n);
    assert.equal(await client.incr('n', 41n), 42n);
    assert.equal(await client.incr('n', -50n), -8n);
    assert.equal(text(await client.get('n')), '-8', 'the value is stored as decimal text');
    for (const bad of ['abc', ' 1', '1 ', '+1', '01', '-0', '', '1.5', '9223372036854775808']) {
      await client.set('x', bad);
      await assert.rejects(
        client.incr('x'),
        (e: Error) => e instanceof KvError && e.message === KV_ERR_NOT_INTEGER,
        bad,
      );
      assert.equal(text(await client.get('x')), bad, 'a refused INCR leaves the value');
    }
    await client.set('max', String(I64_MAX));
    await assert.rejects(client.incr('max'), new KvError(KV_ERR_OVERFLOW));
    await client.set('min', String(I64_MIN));
    assert.equal(await client.incr('min', -0n), I64_MIN);
    await assert.rejects(client.incr('min', -1n), new KvError(KV_ERR_OVERFLOW));
    assert.equal(await client.incr('min', I64_MAX), -1n);
  });

  it("parses integers exactly as Redis's string2ll", () => {
    assert.equal(parseI64(utf8('0')), 0n);
    assert.equal(parseI64(utf8('-9223372036854775808')), I64_MIN);
    assert.equal(parseI64(utf8('9223372036854775807')), I64_MAX);
    for (const bad of ['-', '-0', '00', '1e3', '0x10', '-9223372036854775809', '123456789012345678901'])
      assert.equal(parseI64(utf8(bad)), undefined, bad);
  });

  it('CAS: swaps iff the current value equals expected; "absent" means no key', async () => {
    const { client } = localKvClient();
    assert.equal(await client.cas('k', 'a', 'b'), false, 'no key: a value cannot match');
    assert.equal(await client.get('k'), undefined);
    assert.equal(await client.cas('k', undefined, 'a'), true, 'absent matches no key');
    assert.equal(await client.cas('k', undefined, 'x'), false, 'absent does not match a key');
    assert.equal(await client.cas('k', 'b', 'c'), false);
    assert.equal(await client.cas('k', 'a', 'c'), true);
    assert.equal(text(await client.get('k')), 'c');
    await client.set('e', '');
    assert.equal(await client.cas('e', undefined, 'x'), false, 'an empty value is not absent');
    assert.equal(await client.cas('e', '', 'x'), true);
  });

  it('answers a malformed op with an error result, never a throw', () => {
    const s = new KvService();
    const good = kvOpCodec.encode(op.set('k', 'v'));
    const cases = [
      new Uint8Array(0),
      Uint8Array.of(1),
      Uint8Array.of(1, 99),
      good.subarray(0, good.length - 1),
      Uint8Array.of(...good, 0),
      Uint8Array.of(2, ...good.subarray(1)),
    ];
    for (const bytes of cases) {
      const r = kvResultCodec.decode(s.execute(bytes, { client: 1000, requestId: 1, seq: 1 }));
      assert.ok(
        r.ok && r.value.kind === 'error' && /malformed operation/.test(r.value.message),
        String(bytes),
      );
      const q = kvResultCodec.decode(s.query(bytes));
      assert.ok(q.ok && q.value.kind === 'error');
    }
    assert.equal(s.size, 0);
  });

  it('query() answers reads from the current state and refuses writes', () => {
    const s = new KvService();
    run(s, op.set('k', 'v'));
    const q = (o: KvOp) => kvResultCodec.decode(s.query(kvOpCodec.encode(o)));
    assert.deepEqual(q(op.get('k')), { ok: true, value: res.bulk('v') });
    assert.deepEqual(q(op.mget('k', 'z')), { ok: true, value: res.array('v', undefined) });
    assert.deepEqual(q(op.exists('k')), { ok: true, value: res.int(1) });
    for (const w of [op.set('k', 'x'), op.del('k'), op.incr('k'), op.cas('k', 'v', 'x')]) {
      const r = q(w);
      assert.ok(r.ok && r.value.kind === 'error' && /read-only/.test(r.value.message));
    }
    assert.deepEqual(run(s, op.get('k')), res.bulk('v'), 'a refused write changed nothing');
  });

  it('gives error results at its bounds: a reply too large, a full bucket', () => {
    const s = new KvService();
    const big = 'x'.repeat(limits.kvValueBytesMax);
    run(s, op.set('a', big));
    run(s, op.set('b', big));
    const r = run(s, op.mget('a', 'b', 'a'));
    assert.ok(r.kind === 'error' && /capacity/.test(r.message), 'MGET of 1.5 MiB exceeds the result bound');
    // Keys of one bucket, until the bucket is full.
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`)
      .filter((k) => bucketOfKey(k) === 7)
      .slice(0, 6);
    let refused = 0;
    for (const k of keys) if (run(s, op.set(k, big)).kind === 'error') refused++;
    assert.ok(refused >= 2, `a 2 MiB bucket holds at most 3 values of 512 KiB (refused ${refused})`);
  });
});

function bucketOfKey(k: string): number {
  return bucketOf(Buffer.from(k).toString('latin1'));
}
