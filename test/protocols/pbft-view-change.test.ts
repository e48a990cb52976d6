// Proves PBFT's view changes at n = 4: a silent primary is replaced once the backups' request
// timers expire and the request is ordered in the new view; a prepared request survives the view
// change; the new-view timer doubles across successive failed view changes; a forged new-view
// (pre-prepares that do not follow from its view-changes, or too few view-changes) is rejected
// and its primary replaced; and a replica restarted with no state learns the view from the signed
// new-view its peers send it. It also checks the new-view decision procedure (A1, A2, B) directly.
// A hand-driven cluster of recording Envs (pbft-harness.ts) runs the replicas.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchDigest, newViewBytes, viewChangeBytes } from '../../src/protocols/pbft/certificates.js';
import { decideNewView } from '../../src/protocols/pbft/decision.js';
import type { Entry, NewView, ViewChange, ViewChangeBody } from '../../src/protocols/pbft/messages.js';
import { Cluster, request } from './pbft-harness.js';
import { hex } from '../../src/core/bytes.js';

/** A valid view-change from `replica` for `view`, with nothing prepared. */
function viewChangeFrom(c: Cluster, replica: number, view: number): ViewChange {
  const body = {
    view,
    replica,
    stableSeq: 0,
    stableDigest: new Uint8Array(32),
    proof: [],
    prepared: [],
    prePrepared: [],
  };
  return { kind: 'viewChange', ...body, sig: c.keyring.suiteFor(replica).sign(viewChangeBytes(body)) };
}

/** Client requests reach every replica (as a client's retransmission does), then the world runs. */
function submitEverywhere(c: Cluster, requestId: number): void {
  for (const r of c.replicas) r.submit(request(1000, requestId));
}

describe('pbft view change', () => {
  it('replaces a silent primary after the request timeout and orders the request in view 1', () => {
    const c = new Cluster({ n: 4 });
    c.start();
    c.isolated.add(0);
    submitEverywhere(c, 1);
    c.advance(400);
    assert.equal(c.replicas[1]?.state.view, 0, 'no view change before the request timeout');
    c.advance(1_000);
    for (const id of [1, 2, 3]) {
      assert.equal(c.replicas[id]?.state.view, 1);
      assert.equal(c.replicas[id]?.state.active, true);
      assert.deepEqual(c.batches(id), [{ seq: 1, keys: ['1000:1'] }]);
    }
    assert.equal(c.replicas[1]?.leaderHint(), 1);
  });

  it('carries a prepared request into the new view at the same sequence number', () => {
    const c = new Cluster({ n: 4 });
    c.start();
    submitEverywhere(c, 1);
    // Pre-prepares and prepares flow, commits of view 0 are all lost: replicas are prepared, none commits.
    const noCommitInView0 = (s: { msg: { kind: string; view?: number } }) =>
      !(s.msg.kind === 'commit' && s.msg.view === 0);
    c.advance(0, noCommitInView0);
    assert.ok(c.replicas[1]?.state.log.get(1)?.prepared);
    assert.equal(c.batches(1).length, 0);
    c.isolated.add(0);
    c.advance(2_000, noCommitInView0);
    for (const id of [1, 2, 3]) assert.deepEqual(c.batches(id), [{ seq: 1, keys: ['1000:1'] }]);
    const nv = c.replicas[2]?.state.newView;
    assert.equal(nv?.prePrepares.length, 1);
  });

  it('doubles the new-view timeout across successive view changes that fail', () => {
    // n = 7: the primaries of views 1, 2 and 3 (replicas 1-3) are cut off, so no new-view comes.
    const c = new Cluster({ n: 7 });
    c.start();
    for (const id of [1, 2, 3]) c.isolated.add(id);
    submitEverywhere(c, 1);
    c.advance(500);
    // Replicas 0, 4, 5 and 6 time out on the request; replica 1's view-changes are handed over
    // so that 2f+1 = 5 want each view: then each waits T, 2T, 4T for a new-view that never comes.
    const waits: number[] = [];
    for (let view = 1; view <= 3; view++) {
      assert.equal(c.replicas[4]?.state.view, view);
      for (const id of [0, 4, 5, 6]) c.replicas[id]?.onMessage(1, viewChangeFrom(c, 1, view));
      const armed = c.armed(4, 'viewChange');
      assert.ok(armed !== undefined, 'timer armed once 2f+1 replicas left the view');
      waits.push(armed.dueMs - c.now);
      c.advance(armed.dueMs - c.now);
    }
    assert.deepEqual(waits, [500, 1_000, 2_000]);
    assert.equal(c.replicas[4]?.state.view, 4);
  });

  it('rejects a new-view whose pre-prepares do not follow from its view-changes, and replaces its primary', () => {
    const c = new Cluster({ n: 4 });
    c.start();
    submitEverywhere(c, 1);
    const noCommitInView0 = (s: { msg: { kind: string; view?: number } }) =>
      !(s.msg.kind === 'commit' && s.msg.view === 0);
    c.advance(0, noCommitInView0);
    c.isolated.add(0);
    // Every new-view replica 1 sends is intercepted and replaced by a forgery it signed itself.
    const crypto = c.keyring.suiteFor(1);
    let forged = 0;
    c.advance(700, (s) => {
      if (s.msg.kind !== 'newView' || s.from !== 1) return noCommitInView0(s);
      const body = { view: s.msg.view, viewChanges: s.msg.viewChanges, prePrepares: [] };
      const bad: NewView = { kind: 'newView', ...body, sig: crypto.sign(newViewBytes(body)) };
      c.replicas[s.to]?.onMessage(1, bad);
      forged++;
      return false;
    });
    assert.ok(forged > 0);
    assert.ok(c.suspects.some((x) => x.by === 2 && x.node === 1 && x.code === 'NEW_VIEW_MISMATCH'));
    assert.equal(c.replicas[2]?.state.view, 2, 'replica 2 moved on to view 2');
    // View 2's primary (replica 2) is correct: the prepared request still comes out at seq 1.
    c.advance(3_000);
    for (const id of [2, 3]) assert.deepEqual(c.batches(id), [{ seq: 1, keys: ['1000:1'] }]);
  });

  it('teaches a replica restarted with no state the current view through the signed new-view', () => {
    const c = new Cluster({ n: 4 });
    c.start();
    c.isolated.add(0);
    submitEverywhere(c, 1);
    c.advance(2_000);
    c.isolated.delete(0);
    const fresh = c.restart(0);
    assert.equal(fresh.state.view, 0);
    c.advance(1_000);
    assert.equal(fresh.state.view, 1);
    assert.equal(fresh.state.active, true);
    assert.deepEqual(c.batches(0), [{ seq: 1, keys: ['1000:1'] }], 'and catches up on what it missed');
  });
});

describe('pbft new-view decision procedure', () => {
  const f = 1;
  const nullDigest = new Uint8Array(32).fill(9);
  const d = (x: number) => new Uint8Array(32).fill(x);
  const vc = (replica: number, prepared: Entry[], prePrepared: Entry[] = prepared): ViewChangeBody => ({
    view: 3,
    replica,
    stableSeq: 0,
    stableDigest: new Uint8Array(32),
    proof: [],
    prepared,
    prePrepared,
    sig: new Uint8Array(64),
  });
  const decide = (s: ViewChangeBody[]) => decideNewView(s, { f, logSize: 256, nullDigest });

  it('picks the batch prepared in the highest view that 2f+1 do not contradict and f+1 pre-prepared (A)', () => {
    const s = [
      vc(0, [{ seq: 1, digest: d(1), view: 1 }]),
      vc(1, [{ seq: 1, digest: d(2), view: 2 }]),
      vc(2, [], [{ seq: 1, digest: d(2), view: 2 }]),
      vc(3, []),
    ];
    const out = decide(s);
    assert.deepEqual(
      out?.slots.map((x) => [x.seq, hex(x.digest)]),
      [[1, hex(d(2))]],
    );
  });

  it('fills a gap below a chosen batch with the null request (B) and drops trailing nulls', () => {
    const s = [
      vc(0, [{ seq: 2, digest: d(5), view: 1 }]),
      vc(1, [{ seq: 2, digest: d(5), view: 1 }]),
      vc(2, []),
      vc(3, []),
    ];
    const out = decide(s);
    assert.deepEqual(
      out?.slots.map((x) => [x.seq, hex(x.digest)]),
      [
        [1, hex(nullDigest)],
        [2, hex(d(5))],
      ],
    );
    const trailing = decide([
      vc(0, [{ seq: 7, digest: d(6), view: 2 }], []),
      vc(1, []),
      vc(2, []),
      vc(3, []),
    ]);
    assert.deepEqual(trailing?.slots, [], 'a claim nobody else pre-prepared is not carried over');
  });

  it('does not decide while a lone claim can be neither chosen nor ruled out (waits for more view-changes)', () => {
    const s = [
      vc(0, [{ seq: 1, digest: d(7), view: 2 }], []),
      vc(1, []),
      vc(2, [], [{ seq: 1, digest: d(8), view: 1 }]),
    ];
    assert.equal(decide(s), undefined);
    assert.deepEqual(decide([...s, vc(3, [])])?.slots, []);
  });

  it('uses the highest stable checkpoint any view-change proves', () => {
    const s = [vc(0, []), { ...vc(1, []), stableSeq: 128, stableDigest: d(3) }, vc(2, [])];
    const out = decide(s);
    assert.equal(out?.checkpoint.seq, 128);
    assert.equal(out?.maxSeq, 128);
  });

  it('digests batches canonically (same requests, same digest)', () => {
    const c = new Cluster({ n: 4 });
    const crypto = c.keyring.suiteFor(0);
    assert.equal(hex(batchDigest(crypto, [request(1000, 1)])), hex(batchDigest(crypto, [request(1000, 1)])));
    assert.notEqual(hex(batchDigest(crypto, [request(1000, 1)])), hex(batchDigest(crypto, [])));
  });
});
