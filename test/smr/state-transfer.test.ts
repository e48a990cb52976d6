// Proves state transfer end to end between ReplicaNode instances over an in-memory network (the
// real wire codec, a virtual clock): a replica with no state installs a stable checkpoint fetched
// in parallel from three others while they keep executing, a replica lying about pages or about the
// page digests is suspected and the state still installs and verifies, a silent one only slows it
// down, a newer target restarts the fetch reusing pages, and a request executed before the
// checkpoint is not executed again after it (the reply cache travels with the state).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderingDelivery } from '../../src/core/env.js';
import { CLIENT_ID_MIN } from '../../src/core/ids.js';
import { SeededRng } from '../../src/core/rng.js';
import { equalDigests } from '../../src/smr/merkle.js';
import type { Wire } from '../../src/smr/messages.js';
import { batch, Cluster, type ManualMessage } from './harness.js';

const SOURCES = [0, 1, 2];
const small = { stateServer: { chunkBytes: 40 }, stateTransfer: { piecesPerQuery: 3, queryTimeoutMs: 20 } };

/** Batches `from`..`to` on replicas 0..2, four requests each (ids 4·seq+1..4·seq+4), on key `key(id)`. */
function execute(c: Cluster, from: number, to: number, key?: (id: number) => number) {
  for (let seq = from; seq <= to; seq++)
    c.deliver(
      SOURCES,
      batch(
        seq,
        [1, 2, 3, 4].map((k) => seq * 4 + k),
        0,
        key,
      ),
    );
}

function stable(c: Cluster, seq: number): Uint8Array {
  const d = c.protocol(0).digestAt(seq);
  for (const id of SOURCES)
    assert.ok(equalDigests(c.protocol(id).digestAt(seq), d), `replicas agree at ${seq}`);
  c.deliver(SOURCES, { kind: 'checkpoint-stable', seq, digest: d });
  return d;
}

/** Flip a byte of every page piece that replica `liar` sends. */
function corruptPages(m: Wire<ManualMessage>): Wire<ManualMessage>[] {
  if (m.kind !== 'state-pages') return [m];
  return [
    {
      ...m,
      pieces: m.pieces.map((p) => {
        const data = p.data.slice();
        if (data.byteLength > 0) data[0] = (data[0] as number) ^ 0xff;
        return { ...p, data };
      }),
    },
  ];
}

describe('state transfer', () => {
  it('installs a checkpoint from three replicas, one lying about pages, while they execute on', () => {
    const c = new Cluster(4, small);
    execute(c, 1, 8);
    const d8 = stable(c, 8);
    c.tamper.set(2, (_to, m) => corruptPages(m));
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    // Under load: the sources execute past the checkpoint while it is being fetched from them.
    c.run(3);
    execute(c, 9, 12);
    c.run();
    assert.deepEqual(c.protocol(3).installed, [8]);
    assert.equal(c.nodes.get(3)?.executor.lastSeq, 8);
    assert.ok(equalDigests(c.nodes.get(3)?.checkpoints.get(8)?.digest as Uint8Array, d8));
    assert.ok(
      c.suspicions.some((s) => s.by === 3 && s.node === 2 && s.code === 'STATE_PAGE_DIGEST'),
      'the replica that sent a bad page is suspected',
    );
    assert.ok(!c.suspicions.some((s) => s.node !== 2), 'nobody else is');
    assert.ok((c.received.get('3:state-pages') ?? 0) > 3, 'the pages came in several answers');
    assert.ok(c.observations.some((o) => o.kind === 'state-installed' && o.replica === 3 && o.seq === 8));
    assert.deepEqual(
      [...(c.services.get(3)?.values ?? [])].sort((a, b) => a[0] - b[0]),
      snapshotValues(c, 8),
      'the installed state is the state at 8',
    );
  });

  it('never executes again a request executed before the checkpoint (the reply cache travels with it)', () => {
    const c = new Cluster(4, small);
    execute(c, 1, 8);
    const d8 = stable(c, 8);
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    c.run();
    assert.deepEqual(c.protocol(3).installed, [8]);
    const before = c.services.get(3)?.executions ?? -1;
    // Batch 9 orders again request 5 (executed in batch 1: a retransmission ordered twice) and a new one.
    c.deliver([0, 1, 2, 3], batch(9, [5, 37]));
    const at9 = c.observations.filter((o) => o.kind === 'executed' && o.seq === 9 && o.replica === 3);
    assert.equal(at9.length, 1);
    const requests = at9[0]?.kind === 'executed' ? at9[0].requests : [];
    assert.equal(requests[0]?.result, undefined, 'request 5 is skipped, not executed again');
    assert.notEqual(requests[1]?.result, undefined, 'the new request executes');
    assert.equal(c.services.get(3)?.executions, before + 1);
    assert.equal(c.nodes.get(3)?.executor.cache.lookup(CLIENT_ID_MIN, 5).state, 'done');
    for (const seq of [10, 11, 12]) c.deliver([0, 1, 2, 3], batch(seq, [28 + seq]));
    const d12 = c.protocol(0).digestAt(12);
    assert.ok(
      equalDigests(c.protocol(3).digestAt(12), d12),
      'the restored replica computes the same checkpoint',
    );
  });

  it('refuses a digest list that does not give the certified digest, and fetches from the others', () => {
    const c = new Cluster(4, small);
    execute(c, 1, 8);
    const d8 = stable(c, 8);
    c.tamper.set(0, (_to, m) =>
      m.kind === 'state-digests'
        ? [{ ...m, leaves: m.leaves.map((l, i) => (i === 3 ? new Uint8Array(32) : l)) }]
        : [m],
    );
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    c.run();
    assert.deepEqual(c.protocol(3).installed, [8]);
    assert.ok(c.suspicions.some((s) => s.node === 0 && s.code === 'STATE_DIGESTS_MISMATCH'));
  });

  it('gets past a silent source by timeouts, re-asking its pages of the others', () => {
    const c = new Cluster(4, small);
    execute(c, 1, 8);
    const d8 = stable(c, 8);
    c.tamper.set(1, (_to, m) => (m.kind === 'state-pages' || m.kind === 'state-digests' ? [] : [m]));
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    c.run(2_000);
    assert.deepEqual(c.protocol(3).installed, [8]);
    assert.equal(c.suspicions.length, 0, 'silence is not a lie');
  });

  it('does not let a source that drips pages a byte at a time hold up the end', () => {
    const timeToInstall = (drip: boolean): number => {
      const c = new Cluster(4, { ...small, stateServer: { chunkBytes: 4096 } });
      execute(c, 1, 8);
      const d8 = stable(c, 8);
      if (drip)
        c.tamper.set(1, (_to, m) =>
          m.kind === 'state-pages' && m.pieces.length > 0
            ? [
                {
                  ...m,
                  pieces: [
                    {
                      ...(m.pieces[0] as (typeof m.pieces)[number]),
                      data: (m.pieces[0] as (typeof m.pieces)[number]).data.subarray(0, 1),
                    },
                  ],
                },
              ]
            : [m],
        );
      c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
      for (let t = 1; t <= 1_000; t++) {
        c.run(t);
        if (c.protocol(3).installed.length > 0) return t;
      }
      return Infinity;
    };
    const honest = timeToInstall(false);
    const dripping = timeToInstall(true);
    assert.ok(
      dripping <= honest * 2,
      `installed at ${dripping} ms with a dripping source, ${honest} ms without`,
    );
  });

  it('restarts towards a newer stable checkpoint, fetching only pages that are new or changed', () => {
    const c = new Cluster(4, small);
    const leaf = (id: number, i: number) => c.nodes.get(id)?.checkpoints.currentPage(i)?.leaf as Uint8Array;
    const empty = Array.from({ length: c.nodes.get(3)?.checkpoints.leafCount ?? 0 }, (_, i) => leaf(3, i));
    execute(c, 1, 8);
    const d8 = stable(c, 8);
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    c.run(5);
    const transfer = c.nodes.get(3)?.transfer;
    assert.ok(transfer !== undefined && transfer.goal?.seq === 8);
    const fetchedBefore = transfer.stats.pagesFetched;
    assert.ok(
      fetchedBefore > 2,
      `the first transfer had fetched pages when it was superseded (${fetchedBefore})`,
    );
    // Only key 1 changes from 8 to 12: one service page and the client's reply-cache page.
    execute(c, 9, 12, () => 1);
    const d12 = stable(c, 12);
    c.deliver([3], { kind: 'state-needed', seq: 12, digest: d12, sources: SOURCES });
    c.run();
    assert.deepEqual(c.protocol(3).installed, [12]);
    assert.ok(equalDigests(c.nodes.get(3)?.checkpoints.get(12)?.digest as Uint8Array, d12));
    const leaves8 = c.nodes.get(0)?.checkpoints.get(8)?.leaves ?? [];
    const leaves12 = c.nodes.get(0)?.checkpoints.get(12)?.leaves ?? [];
    const differ = (a: readonly Uint8Array[], b: readonly Uint8Array[]) =>
      a.filter((x, i) => !equalDigests(x, b[i] as Uint8Array)).length;
    assert.equal(differ(leaves8, leaves12), 2);
    const needed8 = differ(leaves8, empty);
    assert.ok(
      transfer.stats.pagesFetched <= needed8 + 2,
      `${transfer.stats.pagesFetched} pages fetched: at most the ${needed8} of checkpoint 8 and the 2 changed since`,
    );
  });

  it('completes under load, with stable checkpoints superseding the one being fetched', () => {
    // 64 service pages fetched three per query: the first transfer takes longer than a checkpoint interval.
    const tuning = {
      stateTransfer: { queryTimeoutMs: 20, piecesPerQuery: 3 },
      stateServer: { chunkBytes: 1024 },
    };
    const c = new Cluster(4, { ...tuning, checkpointInterval: 8 }, 64);
    const rng = new SeededRng(5);
    const log: OrderingDelivery[] = [];
    const targets: number[] = [];
    const executeOne = (seq: number, tellLagging: boolean) => {
      const ids = [2 * seq - 1, 2 * seq];
      const keys = new Map(ids.map((id) => [id, rng.int(256)]));
      const b = batch(seq, ids, Math.max(0, 2 * seq - 20), (id) => keys.get(id) as number);
      log.push(b);
      c.deliver(SOURCES, b);
      if (seq % 8 !== 0) return;
      const d = stable(c, seq);
      if (!tellLagging) return;
      // The protocol tells the lagging replica of every newer stable checkpoint.
      targets.push(seq);
      c.deliver([3], { kind: 'state-needed', seq, digest: d, sources: SOURCES });
    };
    let seq = 0;
    while (seq < 96) executeOne(++seq, false);
    for (let t = 1; c.protocol(3).installed.length === 0; t++) {
      assert.ok(t < 1_000, 'the transfer completes');
      executeOne(++seq, true);
      c.run(c.now + 1);
    }
    const installed = c.protocol(3).installed[0] as number;
    assert.ok(
      installed > (targets[0] as number),
      `superseded: asked for ${targets.join(',')}, installed ${installed}`,
    );
    assert.ok((c.nodes.get(3)?.transfer.stats.pagesReused ?? 0) > 0);
    // The protocol then delivers the batches after it; the replica agrees with the others from there on.
    for (const b of log.slice(installed)) c.deliver([3], b);
    while (seq % 8 !== 0) {
      executeOne(++seq, false);
      c.deliver([3], log[seq - 1] as OrderingDelivery);
    }
    assert.ok(equalDigests(c.protocol(3).digestAt(seq), c.protocol(0).digestAt(seq)));
  });

  it('replaces a state that diverged from the certified one, even past the checkpoint', () => {
    const c = new Cluster(4, small);
    execute(c, 1, 12);
    const d8 = stable(c, 8);
    // Replica 3 executed other requests (as a corrupted replica would): same seqs, another state.
    for (let seq = 1; seq <= 12; seq++)
      c.deliver(
        [3],
        batch(seq, [seq], 0, () => 7),
      );
    assert.ok(!equalDigests(c.protocol(3).digestAt(8), d8));
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    c.run();
    assert.deepEqual(c.protocol(3).installed, [8]);
    assert.equal(c.nodes.get(3)?.executor.lastSeq, 8, 'rolled back to the certified checkpoint');
    for (let seq = 9; seq <= 12; seq++)
      c.deliver(
        [3],
        batch(
          seq,
          [1, 2, 3, 4].map((k) => seq * 4 + k),
        ),
      );
    assert.ok(equalDigests(c.protocol(3).digestAt(12), c.protocol(0).digestAt(12)));
  });

  it('lets batches that reach the checkpoint end the transfer, and answers at once when already there', () => {
    const c = new Cluster(4, small);
    execute(c, 1, 8);
    const d8 = stable(c, 8);
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    for (let seq = 1; seq <= 8; seq++)
      c.deliver(
        [3],
        batch(
          seq,
          [1, 2, 3, 4].map((k) => seq * 4 + k),
        ),
      );
    assert.deepEqual(c.protocol(3).installed, [8], 'reached by execution: installed without a fetch');
    assert.equal(c.nodes.get(3)?.transfer.goal, undefined);
    c.deliver([3], { kind: 'state-needed', seq: 8, digest: d8, sources: SOURCES });
    assert.deepEqual(c.protocol(3).installed, [8, 8]);
    c.run();
    assert.equal(c.received.get('3:state-pages') ?? 0, 0, 'no page was fetched');
  });
});

/** The values replica 0's service held at checkpoint `seq`, decoded from its snapshot pages, by key. */
function snapshotValues(c: Cluster, seq: number): [number, number][] {
  const snap = c.nodes.get(0)?.checkpoints.get(seq);
  assert.ok(snap, `replica 0 keeps checkpoint ${seq}`);
  const out: [number, number][] = [];
  for (let p = 0; p < c.pageCount; p++) {
    const page = snap.pages[p] as Uint8Array;
    const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
    for (let i = 0; i < page.byteLength; i += 5) out.push([page[i] as number, view.getUint32(i + 1)]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}
