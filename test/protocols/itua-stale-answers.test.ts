// Proves that members show how a view ended only to members that still need it: a member that
// left (and stays up) learns it, and is then answered ever more rarely, not ten times a second
// for as long as it runs; members that both moved on never show each other the old view's proof.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../src/core/ids.js';
import { group } from './itua-group-cluster.js';

describe('itua membership: answers to members in an earlier view', () => {
  it('a member that left learns it; then the old view is shown to it rarely, and never among the others', () => {
    const c = group(4);
    c.run(500);
    c.nodes.get(3)?.leave();
    c.run(1_000);
    for (const n of [0, 1, 2]) assert.deepEqual(c.nodes.get(n)?.currentView(), { id: 1, members: [0, 1, 2] });
    assert.ok(
      (c.events.get(3) ?? []).some((e) => e.kind === 'excluded'),
      'the leaver learnt it is out',
    );
    const proofs: { from: NodeId; to: NodeId }[] = [];
    c.drop = (from, to, m) => {
      if (m.kind === 'gm-commit' && m.view === 0) proofs.push({ from, to });
      return false;
    };
    c.run(6_000);
    const toLeaver = proofs.filter((p) => p.to === 3).length;
    // The leaver repeats its vote ever more slowly (a member may still lack it): a few answers.
    assert.ok(toLeaver <= 3 * 8, `${toLeaver} answers to the leaver in 6 s`);
    assert.deepEqual(
      proofs.filter((p) => p.to !== 3),
      [],
      'no old proof between members that moved on',
    );
  });
});
