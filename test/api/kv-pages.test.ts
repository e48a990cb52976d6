// Proves the key-value service's paged state is sound for checkpoints and state transfer: pages
// are canonical (the same content gives the same bytes whatever the order of writes), encode and
// restore round-trip into a service that answers the same, restore rejects every malformed page
// it is handed (and then leaves the state as it was), buckets come from a stable hash, and the
// dirty set names exactly the buckets written since the last call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kvOpCodec, kvResultCodec, type KvOp } from '../../src/api/kv/ops.js';
import { bucketOf, KvService } from '../../src/api/kv/service.js';
import { limits } from '../../src/core/limits.js';
import { SeededRng } from '../../src/core/rng.js';
import { op } from './kv-helpers.js';

const exec = (s: KvService, o: KvOp) => kvResultCodec.decode(s.execute(kvOpCodec.encode(o)));
const pages = (s: KvService) => Array.from({ length: s.pageCount }, (_, i) => s.encodePage(i));
const latin1 = (k: string) => Buffer.from(k).toString('latin1');

function filled(order: number[]): KvService {
  const s = new KvService();
  for (const i of order) exec(s, op.set(`key-${i}`, `value-${i}`));
  return s;
}

/** A page (version 1, u32 count, then key/value pairs with u32 lengths) built by hand. */
function page(entries: [string, string][], trailing: number[] = []): Uint8Array {
  const parts: number[] = [1, ...u32(entries.length)];
  for (const [k, v] of entries)
    parts.push(...u32(k.length), ...Buffer.from(k, 'latin1'), ...u32(v.length), ...Buffer.from(v));
  return Uint8Array.from([...parts, ...trailing]);
}
function u32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}
/** Keys of one bucket. */
function keysIn(bucket: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (bucketOf(`q${i}`) === bucket) out.push(`q${i}`);
  return out;
}

describe('KvService pages', () => {
  it('has a fixed page count and a stable bucket hash (FNV-1a of the key bytes)', () => {
    assert.equal(new KvService().pageCount, limits.kvPageCount);
    assert.equal(bucketOf(''), 0x811c9dc5 % 256);
    assert.equal(bucketOf('a'), 0xe40c292c % 256);
    assert.equal(bucketOf(latin1('foobar')), 0xbf9cf968 % 256);
  });

  it('encodes canonically: the same content in any write order gives the same pages', () => {
    const rng = new SeededRng(3);
    const order = Array.from({ length: 500 }, (_, i) => i);
    const shuffled = [...order].sort(() => rng.float() - 0.5);
    const a = filled(order);
    const b = filled([...shuffled, 7, 8]);
    exec(b, op.del('key-7', 'key-8'));
    exec(b, op.set('key-7', 'value-7'));
    exec(b, op.set('key-8', 'value-8'));
    assert.deepEqual(pages(a), pages(b));
  });

  it('round-trips through restorePages into a service that answers the same', () => {
    const a = filled(Array.from({ length: 300 }, (_, i) => i));
    exec(a, op.incr('counter', 41n));
    const b = new KvService();
    exec(b, op.set('stale', 'gone after restore'));
    assert.deepEqual(b.restorePages(pages(a)), { ok: true, value: undefined });
    assert.deepEqual(pages(b), pages(a));
    assert.equal(b.size, a.size);
    assert.deepEqual(exec(b, op.incr('counter')), exec(a, op.incr('counter')));
    assert.deepEqual(exec(b, op.get('stale')), { ok: true, value: { kind: 'nil' } });
  });

  it('rejects malformed pages with a reason, and keeps its state', () => {
    const s = filled([1, 2, 3]);
    const before = pages(s);
    const good = pages(new KvService());
    const [k1, k2] = keysIn(5, 2).sort() as [string, string];
    const other = keysIn(6, 1)[0] as string;
    const withPage = (i: number, p: Uint8Array) => good.map((x, j) => (j === i ? p : x));
    const cases: [string, Uint8Array[], RegExp][] = [
      ['too few pages', good.slice(1), /256 pages/],
      ['too many pages', [...good, good[0] as Uint8Array], /256 pages/],
      ['empty page', withPage(0, new Uint8Array(0)), /page 0: TRUNCATED/],
      ['bad version', withPage(0, Uint8Array.of(2, 0, 0, 0, 0)), /BAD_VERSION/],
      ['trailing bytes', withPage(5, page([[k1, 'v']], [0])), /TRAILING_BYTES/],
      ['truncated entry', withPage(5, page([[k1, 'v']]).subarray(0, 12)), /TRUNCATED/],
      ['count beyond the bytes', withPage(5, Uint8Array.of(1, 0, 0, 255, 255)), /TRUNCATED/],
      [
        'keys out of order',
        withPage(
          5,
          page([
            [k2, 'v'],
            [k1, 'v'],
          ]),
        ),
        /ascending/,
      ],
      [
        'duplicate key',
        withPage(
          5,
          page([
            [k1, 'v'],
            [k1, 'w'],
          ]),
        ),
        /ascending/,
      ],
      ['key of another bucket', withPage(5, page([[other, 'v']])), /bucket 6/],
      ['oversized page', withPage(0, new Uint8Array(limits.kvPageBytesMax + 1)), /FRAME_TOO_LARGE/],
      ['key too long', withPage(5, page([['k'.repeat(limits.kvKeyBytesMax + 1), 'v']])), /TOO_LONG/],
    ];
    for (const [what, input, reason] of cases) {
      const r = s.restorePages(input);
      assert.ok(!r.ok, `${what} must be rejected`);
      if (!r.ok) assert.match(r.error, reason, what);
      assert.deepEqual(pages(s), before, `${what}: the state must be unchanged`);
    }
  });

  it('tracks dirty pages: all at first and after a restore, then exactly the buckets written', () => {
    const s = new KvService();
    assert.equal(s.takeDirtyPages().length, s.pageCount);
    assert.deepEqual(s.takeDirtyPages(), []);
    exec(s, op.set('a', '1'));
    exec(s, op.set('b', '1'));
    exec(s, op.get('c'));
    exec(s, op.del('absent'));
    exec(s, op.cas('c', 'x', 'y'));
    assert.deepEqual(
      s.takeDirtyPages(),
      [bucketOf('a'), bucketOf('b')].sort((x, y) => x - y),
    );
    exec(s, op.del('a', 'absent'));
    exec(s, op.incr('n'));
    assert.deepEqual(
      s.takeDirtyPages(),
      [bucketOf('a'), bucketOf('n')].sort((x, y) => x - y),
    );
    exec(s, op.incr('a'));
    exec(s, op.set('zz', 'v'));
    s.takeDirtyPages();
    exec(s, op.set('zz', 'v'.repeat(10)));
    exec(s, op.incr('zz'));
    assert.deepEqual(s.takeDirtyPages(), [bucketOf('zz')], 'a refused INCR writes nothing more');
    s.restorePages(pages(s));
    assert.equal(s.takeDirtyPages().length, s.pageCount);
  });
});
