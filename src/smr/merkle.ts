/**
 * The state digest of a checkpoint: a Merkle root over the digests of the state's pages (the
 * service's pages, then the reply cache's), bound to the sequence number and the page layout.
 *
 * The tree is kept between checkpoints, so a checkpoint re-hashes only the paths above the
 * pages that changed, not the whole state (issue 3, item 2). A requester of state transfer
 * recomputes the root from the full list of leaves it received (`stateDigestOf`), so it can
 * check that list against the certified digest before it trusts a single page.
 */
import { assert } from '../core/assert.js';
import { DIGEST_BYTES } from '../core/crypto-suite.js';

export type DigestFn = (data: Uint8Array) => Uint8Array;

/** Padding leaves of a tree whose width is above its leaf count. */
const EMPTY_LEAF = new Uint8Array(DIGEST_BYTES);
/** Domain separation: an inner node's input can never be taken for a page or a state header. */
const INNER_TAG = 0x01;
const STATE_TAG = 0x02;

/** A binary hash tree over a fixed number of leaves, with lazily recomputed inner nodes. */
export class MerkleTree {
  /** Leaves at width + i; node k has children 2k and 2k+1; the root is node 1. */
  private readonly nodes: Uint8Array[];
  /** Inner nodes whose children changed since they were last hashed. */
  private readonly stale: Uint8Array;
  private readonly width: number;

  constructor(
    private readonly digest: DigestFn,
    readonly leafCount: number,
    leaves: readonly Uint8Array[],
  ) {
    assert(leafCount >= 1 && leaves.length === leafCount, `a tree of ${leafCount} leaves`);
    let width = 1;
    while (width < leafCount) width *= 2;
    this.width = width;
    this.nodes = new Array<Uint8Array>(2 * width).fill(EMPTY_LEAF);
    this.stale = new Uint8Array(width).fill(1);
    for (let i = 0; i < leafCount; i++) this.nodes[width + i] = leaves[i] as Uint8Array;
  }

  leaf(i: number): Uint8Array {
    return this.nodes[this.width + i] as Uint8Array;
  }

  setLeaf(i: number, leafDigest: Uint8Array): void {
    assert(Number.isInteger(i) && i >= 0 && i < this.leafCount, `leaf ${i} of ${this.leafCount}`);
    this.nodes[this.width + i] = leafDigest;
    for (let k = (this.width + i) >> 1; k >= 1 && this.stale[k] === 0; k >>= 1) this.stale[k] = 1;
  }

  /** The root: hashes only the inner nodes above leaves set since the last call. */
  root(): Uint8Array {
    for (let k = this.width - 1; k >= 1; k--) {
      if (this.stale[k] === 0) continue;
      this.nodes[k] = innerHash(
        this.digest,
        this.nodes[2 * k] as Uint8Array,
        this.nodes[2 * k + 1] as Uint8Array,
      );
      this.stale[k] = 0;
    }
    // A one-leaf tree has no inner node: node 1 is then the leaf itself.
    return this.nodes[1] as Uint8Array;
  }
}

function innerHash(digest: DigestFn, left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + 2 * DIGEST_BYTES);
  buf[0] = INNER_TAG;
  buf.set(left, 1);
  buf.set(right, 1 + DIGEST_BYTES);
  return digest(buf);
}

/** The root of a tree over these leaves, computed from scratch. */
export function merkleRoot(digest: DigestFn, leaves: readonly Uint8Array[]): Uint8Array {
  return new MerkleTree(digest, leaves.length, leaves).root();
}

/**
 * The state digest: the root bound to the sequence number and to how the leaves split between
 * the service's pages and the reply cache's, so that neither can be passed off as the other.
 */
export function stateDigest(
  digest: DigestFn,
  seq: number,
  servicePages: number,
  cachePages: number,
  root: Uint8Array,
): Uint8Array {
  const buf = new Uint8Array(1 + 8 + 4 + 4 + DIGEST_BYTES);
  const view = new DataView(buf.buffer);
  buf[0] = STATE_TAG;
  view.setBigUint64(1, BigInt(seq));
  view.setUint32(9, servicePages);
  view.setUint32(13, cachePages);
  buf.set(root, 17);
  return digest(buf);
}

/** The state digest of checkpoint `seq` whose page digests are `leaves` (from scratch). */
export function stateDigestOf(
  digest: DigestFn,
  seq: number,
  servicePages: number,
  leaves: readonly Uint8Array[],
): Uint8Array {
  const root = merkleRoot(digest, leaves);
  return stateDigest(digest, seq, servicePages, leaves.length - servicePages, root);
}

export function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
