// Proves the ITUA membership layer's hand-staged cases the simulator sweeps do not reach: a node on
// the authorized list joins a running group (one installation, its first view from f+1 welcomes),
// one off the list or once removed is refused; a member that leaves is excluded and the others go
// on; New-Views and Commits with too little justification are refused with their codes; and every
// membership message survives the group wire codec. Members run on a hand-driven network
// (itua-group-cluster.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MembershipMessage } from '../../src/protocols/itua/index.js';
import { viewInfo } from '../../src/protocols/itua/stack.js';
import { validateCommit, validateNewView } from '../../src/protocols/itua/membership/validate.js';
import { commitMessage, newViewMessage, suspectMessage } from '../../src/protocols/itua/membership/build.js';
import { TimedCryptoSuite } from '../../src/experiments/itua/timed-crypto.js';
import { SuspicionBook } from '../../src/protocols/itua/membership/suspicions.js';
import { ackStatement as ackStatementFor } from '../../src/protocols/itua/membership/signing.js';
import { ALL, cryptoOf, group, wire } from './itua-group-cluster.js';

describe('itua membership: joins and leaves', () => {
  it('an authorized node joins: every member installs view 1 with it, and it believes that view', () => {
    const c = group(4);
    c.add(4, [], ALL, true).start();
    c.run(3_000);
    for (const node of [0, 1, 2, 3, 4]) {
      const last = c.nodes.get(node)?.currentView();
      assert.deepEqual(last, { id: 1, members: [0, 1, 2, 3, 4] }, `node ${node}`);
    }
    assert.deepEqual(c.views(4)[0]?.joined, [4]);
    assert.ok(c.nodes.get(4)?.multicast('total', Uint8Array.of(1)), 'the joiner multicasts in its view');
    c.run(1_000);
    const got = c.events.get(0)?.filter((e) => e.kind === 'deliver' && e.sender === 4) ?? [];
    assert.equal(got.length, 1, 'and the others deliver it');
  });

  it('a node off the authorized list is never admitted', () => {
    const c = group(4, [0, 1, 2, 3]);
    c.add(4, [], [0, 1, 2, 3], true).start();
    c.run(3_000);
    assert.equal(c.nodes.get(4)?.currentView(), undefined);
    assert.deepEqual(c.nodes.get(0)?.currentView()?.id, 0, 'no view change for it');
  });

  it('a member that leaves is excluded; the others install a view without it and go on', () => {
    const c = group(4);
    c.run(500);
    c.nodes.get(3)?.leave();
    c.run(3_000);
    assert.ok(c.events.get(3)?.some((e) => e.kind === 'excluded'));
    assert.equal(c.nodes.get(3)?.currentView(), undefined);
    for (const node of [0, 1, 2]) assert.deepEqual(c.nodes.get(node)?.currentView()?.members, [0, 1, 2]);
    // Each view event says how long this member's installation took (seed 003's measure).
    for (const node of [0, 1, 2]) {
      const views = (c.events.get(node) ?? []).flatMap((e) => (e.kind === 'view' ? [e] : []));
      assert.equal(views[0]?.installMs, undefined, 'view 0 was not installed by an agreement');
      const ms = views[1]?.installMs;
      assert.ok(ms !== undefined && ms >= 0, `node ${node}: view 1 has an installation time`);
      assert.equal(ms, c.nodes.get(node)?.installations[0]?.ms);
    }
    assert.ok(c.nodes.get(0)?.multicast('total', Uint8Array.of(7)));
    c.run(1_000);
    const at2 = c.events.get(2)?.filter((e) => e.kind === 'deliver' && e.view === 1) ?? [];
    assert.equal(at2.length, 1);
  });

  it('a removed member may not join again', () => {
    const c = group(4);
    c.run(500);
    c.nodes.get(3)?.leave();
    c.run(3_000);
    c.add(3, [], ALL, true).start();
    c.run(3_000);
    assert.equal(c.nodes.get(3)?.currentView(), undefined, 'its request is refused');
    assert.deepEqual(c.nodes.get(0)?.currentView(), { id: 1, members: [0, 1, 2] });
  });
});

describe('itua membership: validation of New-View and Commit (seed 003, Table III)', () => {
  const view = viewInfo(0, [0, 1, 2, 3]);
  const ctx = { view, crypto: cryptoOf(0), nodeOf: (r: number) => view.members[r] };
  const host = (self: number) => ({ crypto: cryptoOf(self), view, self });
  const proposal = { view: 0, round: 1, leader: 0, kept: [0, 1, 2], joiner: undefined };
  const suspicions = [1, 2].map((by) => suspectMessage(host(by), 3, 'EQUIVOCATION'));

  it('a New-View with f+1 Suspects per removal is accepted; with fewer it is a bad New-View', () => {
    const good = newViewMessage(host(0), proposal, suspicions).nv;
    assert.equal(validateNewView(0, good, ctx).verdict, 'accept');
    const bad = newViewMessage(host(0), proposal, suspicions.slice(0, 1)).nv;
    const v = validateNewView(0, bad, ctx);
    assert.equal(v.verdict === 'reject' && v.code, 'BAD_NEW_VIEW');
    const skips = newViewMessage(host(1), { ...proposal, leader: 1, kept: [0, 1, 2] }, suspicions).nv;
    assert.equal(validateNewView(1, skips, ctx).verdict, 'reject', 'rank 1 may not lead while rank 0 stays');
  });

  it('a justification entry the book holds byte for byte is not checked again; any other is', () => {
    const book = new SuspicionBook(4, 1, () => true);
    for (const e of suspicions) book.add(e);
    const timed = new TimedCryptoSuite(cryptoOf(0));
    const counting = { ...ctx, crypto: timed };
    const withBook = { ...counting, checked: (e: (typeof suspicions)[0]) => book.holds(e) };
    const good = newViewMessage(host(0), proposal, suspicions).nv;
    assert.equal(validateNewView(0, good, withBook).verdict, 'accept');
    const entriesChecked = timed.times.verifies;
    timed.reset();
    assert.equal(validateNewView(0, good, counting).verdict, 'accept');
    assert.equal(
      timed.times.verifies - entriesChecked,
      suspicions.length,
      'the book spared one check per entry',
    );
    // The same entry under other signature bytes is not the one the book holds: it is checked, and fails.
    const forged = { ...(suspicions[0] as (typeof suspicions)[0]), sig: new Uint8Array(64).fill(7) };
    assert.equal(book.holds(forged), false);
    const bad = newViewMessage(host(0), proposal, [forged, suspicions[1] as (typeof suspicions)[0]]).nv;
    assert.equal(validateNewView(0, bad, withBook).verdict, 'reject');
  });

  it('Suspects taken from their signers are checked only to justify a removal, f+1 of them', () => {
    let checks = 0;
    const forged = new Set([0]);
    const book = new SuspicionBook(4, 1, (e) => {
      checks++;
      return !forged.has(e.by);
    });
    for (const by of [0, 1, 2]) book.add({ by, target: 3, sig: new Uint8Array(64).fill(by) }, false);
    assert.deepEqual([...book.detected()], [3]);
    assert.equal(checks, 3, 'the forged entry fails and is dropped; two good ones justify');
    assert.deepEqual(
      book.justification([3]).map((e) => e.by),
      [1, 2],
      'only checked entries are relayed',
    );
    book.detected();
    assert.equal(checks, 3, 'each entry is checked once');
    const alone = new SuspicionBook(4, 1, () => false);
    for (const by of [0, 1]) alone.add({ by, target: 2, sig: new Uint8Array(64) }, false);
    assert.deepEqual([...alone.detected()], [], 'forged suspicions justify nothing');
  });

  it('a Commit needs 2f+1 valid acknowledgements of the same proposal', () => {
    const { digest, own } = newViewMessage(host(0), proposal, suspicions);
    const acks = new Map([[0, own]]);
    for (const r of [1, 2]) acks.set(r, cryptoOf(r).sign(ackStatementFor(digest, r)));
    assert.equal(validateCommit(commitMessage(host(0), proposal, acks), ctx).verdict, 'accept');
    acks.delete(2);
    const v = validateCommit(commitMessage(host(0), proposal, acks), ctx);
    assert.equal(v.verdict === 'reject' && v.code, 'BAD_COMMIT');
  });

  it('every membership message round-trips through the group wire codec', () => {
    const { nv } = newViewMessage(host(0), proposal, suspicions);
    const msgs: MembershipMessage[] = [nv, ...suspicions, commitMessage(host(0), proposal, new Map())];
    for (const m of msgs) {
      const bytes = wire.encode(m);
      const back = wire.decode(bytes);
      assert.ok(back.ok);
      assert.equal(back.value.kind, m.kind);
      assert.deepEqual(wire.encode(back.value), bytes, 'decoding then encoding gives the same bytes');
      assert.equal(
        wire.decode(bytes.subarray(0, bytes.length - 1)).ok,
        false,
        'a truncated frame is refused',
      );
    }
  });
});
