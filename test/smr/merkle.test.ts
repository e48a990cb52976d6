// Proves the incremental state digest equals a full recomputation: random page changes are applied
// to a Merkle tree leaf by leaf (and to a checkpointer through a paged service), and after every
// round the incrementally maintained root and state digest are compared with ones rebuilt from scratch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../../src/core/rng.js';
import { sha256 } from '../../src/crypto/keys.js';
import { Checkpointer } from '../../src/smr/checkpoints.js';
import { MerkleTree, merkleRoot, stateDigest, stateDigestOf } from '../../src/smr/merkle.js';
import { encodeBuckets, REPLY_CACHE_PAGES } from '../../src/smr/reply-cache-pages.js';
import { ReplyCache } from '../../src/smr/reply-cache.js';
import { op, PagedService } from './harness.js';

const digest = (b: Uint8Array) => sha256(b);
const randomLeaf = (rng: SeededRng) => digest(Uint8Array.of(rng.int(256), rng.int(256), rng.int(256)));

describe('Merkle state digest', () => {
  it('an incrementally updated tree has the root of a tree built from scratch', () => {
    const rng = new SeededRng(7);
    for (const count of [1, 2, 3, 5, 16, 17, 100, 321]) {
      const leaves = Array.from({ length: count }, () => randomLeaf(rng));
      const tree = new MerkleTree(digest, count, leaves);
      assert.deepEqual(tree.root(), merkleRoot(digest, leaves));
      for (let round = 0; round < 20; round++) {
        const changes = 1 + rng.int(Math.min(count, 8));
        for (let c = 0; c < changes; c++) {
          const i = rng.int(count);
          leaves[i] = randomLeaf(rng);
          tree.setLeaf(i, leaves[i] as Uint8Array);
        }
        assert.deepEqual(tree.root(), merkleRoot(digest, leaves), `${count} leaves, round ${round}`);
      }
    }
  });

  it('a checkpoint digest re-hashing only dirty pages equals one computed from every page', () => {
    const rng = new SeededRng(11);
    const service = new PagedService(32);
    const cache = new ReplyCache(64);
    const cp = new Checkpointer(service, cache, digest, { log() {} });
    let requestId = 0;
    for (let seq = 1; seq <= 30; seq++) {
      for (let k = 0; k < rng.int(6); k++) {
        const client = 1000 + rng.int(200);
        requestId++;
        if (cache.admit(client, requestId, 0))
          cache.record(client, requestId, service.execute(op(rng.int(256), 1 + rng.int(9))));
      }
      const incremental = cp.take(seq, seq);
      const pages = Array.from({ length: service.pageCount }, (_, i) => service.encodePage(i));
      const buckets = encodeBuckets(
        cache,
        Array.from({ length: REPLY_CACHE_PAGES }, (_, b) => b),
      );
      for (let b = 0; b < REPLY_CACHE_PAGES; b++) pages.push(buckets.get(b) as Uint8Array);
      const full = stateDigestOf(digest, seq, service.pageCount, pages.map(digest));
      assert.deepEqual(incremental, full, `checkpoint ${seq}`);
    }
  });

  it('binds the sequence number and the page layout', () => {
    const root = merkleRoot(digest, [digest(Uint8Array.of(1)), digest(Uint8Array.of(2))]);
    const base = stateDigest(digest, 8, 1, 1, root);
    assert.notDeepEqual(base, stateDigest(digest, 9, 1, 1, root));
    assert.notDeepEqual(base, stateDigest(digest, 8, 2, 0, root));
  });
});
