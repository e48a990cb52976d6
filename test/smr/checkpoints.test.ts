// Proves checkpoint snapshots are isolated, shared and bounded: a state server answers for
// checkpoint s with s's pages after execution has moved on, large pages go out in fragments within
// the byte bound, unchanged pages are shared between snapshots, old snapshots go once a newer
// checkpoint is stable (and their lease ends), and the count never exceeds keptMax. It drives a
// Checkpointer and a StateServer directly over a paged service, with a recording Env.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/crypto/keys.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { Checkpointer } from '../../src/smr/checkpoints.js';
import { stateDigestOf } from '../../src/smr/merkle.js';
import type { StateMessage } from '../../src/smr/messages.js';
import { decodeCachePages, encodeBuckets, REPLY_CACHE_PAGES } from '../../src/smr/reply-cache-pages.js';
import { ReplyCache } from '../../src/smr/reply-cache.js';
import { StateServer, type StateEnv } from '../../src/smr/state-server.js';
import { op, PagedService } from './harness.js';

const digest = (b: Uint8Array) => sha256(b);

function setup(keptMax = 4, leaseMs = 100) {
  const service = new PagedService(8);
  const cache = new ReplyCache(64);
  const cp = new Checkpointer(service, cache, digest, { log() {} }, { keptMax, leaseMs });
  let id = 0;
  const exec = (key: number) => {
    id++;
    cache.admit(1000, id, id - 1);
    cache.record(1000, id, service.execute(op(key)));
  };
  return { service, cache, cp, exec };
}

function server(cp: Checkpointer, opts: Partial<{ chunkBytes: number; queriesBurst: number }> = {}) {
  const sent: { to: number; m: StateMessage }[] = [];
  let now = 0;
  const env: StateEnv = {
    self: 0,
    crypto: NoneKeyring.fromSeed(1, [0]).suiteFor(0),
    log: { log() {} },
    send: (to, m) => sent.push({ to, m }),
    setTimer: () => {},
    cancelTimer: () => {},
    now: () => now,
    suspect: () => {},
  };
  const s = new StateServer(env, cp, [0, 1, 2, 3], {
    chunkBytes: opts.chunkBytes ?? 1 << 20,
    queriesPerSecond: 10,
    queriesBurst: opts.queriesBurst ?? 100,
  });
  return { s, sent, tick: (ms: number) => (now += ms) };
}

describe('checkpoints', () => {
  it('serve checkpoint s with the pages of s after execution moved on', () => {
    const { cp, exec } = setup();
    for (let k = 0; k < 40; k++) exec(k);
    const d4 = cp.take(4, 0);
    const snap = cp.get(4);
    assert.ok(snap);
    const before = snap.pages.map((p) => p.slice());
    for (let k = 0; k < 40; k++) exec(k * 3);
    cp.take(8, 0);
    const { s, sent } = server(cp);
    s.onQuery(1, { kind: 'state-query', seq: 4, digest: d4, pieces: [] });
    const digests = sent.pop()?.m;
    assert.ok(digests?.kind === 'state-digests');
    assert.deepEqual(
      stateDigestOf(digest, 4, 8, digests.leaves),
      d4,
      'the leaves of s still give the digest of s',
    );
    s.onQuery(1, {
      kind: 'state-query',
      seq: 4,
      digest: d4,
      pieces: before.map((_, index) => ({ index, offset: 0 })),
    });
    const pages = sent.pop()?.m;
    assert.ok(pages?.kind === 'state-pages');
    assert.equal(pages.pieces.length, before.length);
    for (const p of pages.pieces)
      assert.deepEqual(p.data, before[p.index], `page ${p.index} as of checkpoint 4`);
  });

  it('answer with nothing for a checkpoint it does not hold, or under another digest', () => {
    const { cp, exec } = setup();
    exec(1);
    const d = cp.take(4, 0);
    const { s, sent } = server(cp);
    s.onQuery(1, { kind: 'state-query', seq: 8, digest: d, pieces: [] });
    s.onQuery(1, {
      kind: 'state-query',
      seq: 4,
      digest: new Uint8Array(32),
      pieces: [{ index: 0, offset: 0 }],
    });
    assert.deepEqual(
      sent.map((x) =>
        x.m.kind === 'state-digests'
          ? x.m.leaves.length
          : x.m.kind === 'state-pages'
            ? x.m.pieces.length
            : -1,
      ),
      [0, 0],
    );
    s.onQuery(1001, { kind: 'state-query', seq: 4, digest: d, pieces: [] });
    assert.equal(sent.length, 2, 'a client is not served');
  });

  it('cut answers at chunkBytes, sending a large page in fragments, and rate-limit each requester', () => {
    const { cp, exec, service } = setup();
    for (let k = 0; k < 256; k++) exec(k);
    const d = cp.take(4, 0);
    const page0 = service.encodePage(0);
    const { s, sent } = server(cp, { chunkBytes: 50, queriesBurst: 3 });
    s.onQuery(1, {
      kind: 'state-query',
      seq: 4,
      digest: d,
      pieces: [
        { index: 0, offset: 0 },
        { index: 1, offset: 0 },
      ],
    });
    s.onQuery(1, { kind: 'state-query', seq: 4, digest: d, pieces: [{ index: 0, offset: 50 }] });
    const [a, b] = sent.map((x) => x.m);
    assert.ok(a?.kind === 'state-pages' && b?.kind === 'state-pages');
    assert.equal(a.pieces.length, 1, 'the budget ends inside page 0');
    assert.deepEqual(a.pieces[0]?.data, page0.subarray(0, 50));
    assert.equal(a.pieces[0]?.total, page0.byteLength);
    assert.deepEqual(b.pieces[0]?.data, page0.subarray(50, 100));
    s.onQuery(1, { kind: 'state-query', seq: 4, digest: d, pieces: [] });
    s.onQuery(1, { kind: 'state-query', seq: 4, digest: d, pieces: [] });
    assert.equal(sent.length, 3, 'the fourth query in a burst of three is dropped');
    s.onQuery(2, { kind: 'state-query', seq: 4, digest: d, pieces: [] });
    assert.equal(sent.length, 4, 'another requester has its own budget');
  });

  it('share unchanged pages between snapshots and keep at most keptMax', () => {
    const { cp, exec } = setup(3, 0);
    for (let seq = 4; seq <= 40; seq += 4) {
      exec(seq % 8); // one service page changes per checkpoint
      cp.take(seq, seq);
      assert.ok(cp.memory().snapshots <= 3, `at ${seq}: ${cp.memory().snapshots} snapshots`);
    }
    const [a, b] = [cp.get(36), cp.get(40)];
    assert.ok(a && b);
    let shared = 0;
    for (let i = 0; i < a.pages.length; i++) if (a.pages[i] === b.pages[i]) shared++;
    assert.ok(
      shared >= a.pages.length - 2,
      `consecutive snapshots share all but the changed pages (${shared})`,
    );
    const total = a.pages.reduce((n, p) => n + p.byteLength, 0);
    assert.ok(cp.memory().pageBytes < 2 * total, 'three snapshots cost far less than three copies');
  });

  it('drop snapshots below the stable checkpoint once their lease ends', () => {
    const { cp, exec } = setup(8, 100);
    for (const seq of [4, 8, 12]) {
      exec(seq);
      cp.take(seq, 0);
    }
    const d4 = cp.get(4)?.digest as Uint8Array;
    const { s } = server(cp);
    s.onQuery(1, { kind: 'state-query', seq: 4, digest: d4, pieces: [] }); // leases 4 at time 0
    cp.onStable(8, cp.get(8)?.digest as Uint8Array, 50);
    assert.deepEqual(cp.memory().seqs, [4, 8, 12], 'checkpoint 4 is leased until 100');
    cp.onStable(12, cp.get(12)?.digest as Uint8Array, 200);
    assert.deepEqual(cp.memory().seqs, [12], 'only the stable checkpoint remains');
  });

  it('refuse to serve a checkpoint whose certified digest differs from its own', () => {
    const { cp, exec } = setup();
    exec(1);
    cp.take(4, 0);
    cp.onStable(4, new Uint8Array(32).fill(9), 0);
    assert.equal(cp.get(4), undefined);
  });

  it('encode the reply cache canonically, and refuse a non-canonical cache page', () => {
    const cache = new ReplyCache(8);
    for (const [client, id] of [
      [1065, 3],
      [1001, 1],
      [1001, 2],
      [1129, 5],
    ] as const) {
      cache.admit(client, id, 0);
      cache.record(client, id, Uint8Array.of(id));
    }
    const all = Array.from({ length: REPLY_CACHE_PAGES }, (_, b) => b);
    const pages = all.map((b) => encodeBuckets(cache, all).get(b) as Uint8Array);
    const decoded = decodeCachePages(pages, 8);
    assert.ok(decoded.ok);
    const copy = new ReplyCache(8);
    copy.install(decoded.value);
    assert.deepEqual(
      all.map((b) => encodeBuckets(copy, all).get(b)),
      pages,
      'decode then encode is the identity',
    );
    assert.deepEqual(copy.lookup(1001, 2), { state: 'done', result: Uint8Array.of(2) });
    const swapped = [...pages];
    [swapped[1001 % REPLY_CACHE_PAGES], swapped[0]] = [
      swapped[0] as Uint8Array,
      swapped[1001 % REPLY_CACHE_PAGES] as Uint8Array,
    ];
    assert.equal(decodeCachePages(swapped, 8).ok, false, 'a client in the wrong bucket');
    assert.equal(decodeCachePages(pages, 1).ok, false, 'a window wider than the replica allows');
  });
});
