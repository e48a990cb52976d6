// Proves the Stable votes that end a view installation (membership/votes.ts): a member installs a
// proposal only once a quorum of its members voted for it with one cut, so a member whose
// stabilization stalls while the others' completes can neither install another view nor miss the
// one they install: it waits, tries that proposal again when a vote shows its messages exist, and
// installs it with the same deliveries once it can fetch them. Votes are counted once per member,
// per cut, among the members the proposal keeps; a member that votes twice is suspected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../src/core/ids.js';
import type { GroupWire, StableMessage } from '../../src/protocols/itua/index.js';
import type { ReadyMessage } from '../../src/protocols/itua/membership/messages.js';
import { membershipContext, validateReady } from '../../src/protocols/itua/membership/validate.js';
import { StableVotes } from '../../src/protocols/itua/membership/votes.js';
import { viewInfo } from '../../src/protocols/itua/stack.js';
import { cryptoOf, group, type Cluster } from './itua-group-cluster.js';

const vote = (rank: number, digest: number, cut: number[]): StableMessage => ({
  kind: 'gm-stable',
  view: 0,
  digest: new Uint8Array(32).fill(digest),
  rank,
  cut,
  sig: new Uint8Array(64),
});

const viewIds = (c: Cluster, nodes: NodeId[]) => nodes.map((n) => c.nodes.get(n)?.currentView()?.id);
const isStack = (m: GroupWire) => !m.kind.startsWith('gm-');

describe('itua membership: Stable votes', () => {
  it('each member counts once, per cut', () => {
    const votes = new StableVotes();
    assert.equal(votes.add(vote(0, 1, [2, 3])), 'new');
    assert.equal(votes.add(vote(0, 1, [2, 3])), 'same', 'a repeated vote');
    assert.equal(votes.add(vote(0, 1, [2, 4])), 'conflict', 'another cut');
    assert.equal(votes.add(vote(0, 2, [2, 3])), 'conflict', 'another proposal');
    votes.add(vote(1, 1, [2, 4]));
    votes.add(vote(2, 1, [2, 4]));
    votes.add(vote(3, 1, [2, 3]));
    votes.add(vote(4, 1, [2, 4]));
    const cuts = votes.cuts(new Uint8Array(32).fill(1));
    assert.deepEqual(
      cuts.map((v) => [v.cut, v.voters.map((m) => m.rank)]),
      [
        [
          [2, 4],
          [1, 2, 4],
        ],
        [
          [2, 3],
          [0, 3],
        ],
      ],
      'the most voted cut first',
    );
    assert.deepEqual(votes.cuts(new Uint8Array(32).fill(2)), []);
    assert.ok(votes.holds(vote(0, 1, [2, 3])), 'held byte for byte: not checked again');
    assert.ok(
      !votes.holds({ ...vote(0, 1, [2, 3]), sig: new Uint8Array(64).fill(1) }),
      'other signature bytes',
    );
  });

  it('a Ready-to-Switch is taken only from the member it names (it is not signed)', () => {
    const view = viewInfo(0, [0, 1, 2, 3]);
    const ctx = membershipContext(view, cryptoOf(0));
    const ready: ReadyMessage = {
      kind: 'gm-ready',
      view: 0,
      round: 1,
      leader: 0,
      digest: new Uint8Array(32),
      rank: 2,
      counts: [0, 0, 0, 0],
    };
    assert.equal(validateReady(2, ready, ctx).verdict, 'accept');
    const relayed = validateReady(1, ready, ctx);
    assert.equal(relayed.verdict === 'reject' && relayed.code, 'BAD_MEMBERSHIP');
    const short = validateReady(2, { ...ready, counts: [0, 0] }, ctx);
    assert.equal(short.verdict, 'reject');
  });

  it('a member whose votes do not reach it does not install; it does once they do', () => {
    const c = group(4);
    c.run(500);
    const sent: NodeId[] = [];
    c.drop = (from, to, m) => {
      if (m.kind === 'gm-stable' && !sent.includes(from)) sent.push(from);
      return m.kind === 'gm-stable' && to === 0;
    };
    c.nodes.get(3)?.leave();
    c.run(3_000);
    assert.deepEqual(sent.sort(), [0, 1, 2, 3], 'every member voted, the leaver too');
    assert.deepEqual(viewIds(c, [0, 1, 2]), [0, 1, 1], 'member 0 holds no quorum of votes');
    c.drop = () => false;
    c.run(2_000);
    for (const n of [0, 1, 2]) assert.deepEqual(c.nodes.get(n)?.currentView(), { id: 1, members: [0, 1, 2] });
  });

  it('stabilization stalls at one member: it installs no other view, and the same one once it can fetch', () => {
    const c = group(4);
    c.run(500);
    // Member 1 gets no stack frame: member 2's multicast is delivered at 0, 2 and 3 only.
    const toOne = (to: NodeId, m: GroupWire) => to === 1 && isStack(m);
    c.drop = (from, to, m) => toOne(to, m) || (from === 3 && m.kind === 'gm-stable');
    assert.ok(c.nodes.get(2)?.multicast('fifo', Uint8Array.of(9)));
    c.run(200);
    const delivered = (n: NodeId) =>
      (c.events.get(n) ?? []).filter((e) => e.kind === 'deliver' && e.sender === 2 && e.view === 0).length;
    assert.deepEqual([0, 1, 2].map(delivered), [1, 0, 1]);
    c.nodes.get(3)?.leave();
    c.run(5_000);
    // 0 and 2 hold the cut and voted; 1 cannot reach it, and the leaver's vote is lost.
    assert.deepEqual(viewIds(c, [0, 1, 2]), [0, 0, 0], 'no view installed on two votes of a quorum of three');
    // The leaver's vote (the proposal removes it, but it is a member of this view) completes the quorum.
    c.drop = (_from, to, m) => toOne(to, m);
    c.run(3_000);
    assert.deepEqual(viewIds(c, [0, 1, 2]), [1, 0, 1], 'member 1, stalled, installs no other view');
    c.drop = () => false;
    c.run(3_000);
    for (const n of [0, 1, 2]) assert.deepEqual(c.nodes.get(n)?.currentView(), { id: 1, members: [0, 1, 2] });
    assert.deepEqual([0, 1, 2].map(delivered), [1, 1, 1], 'the same deliveries in view 0');
  });
});
