// Proves that members say Ready-to-Switch when they acknowledge a New-View (membership/ready.ts,
// `atAck`), not only once its Commit comes, so that the Commit finds every Ready there; and that
// the Ready's phase and its timer open only at the Commit: a leader that never commits gets
// itself suspected, not the members that never saw its New-View.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../src/core/ids.js';
import type { GroupWire } from '../../src/protocols/itua/index.js';
import { SUSPECT_CODES } from '../../src/protocols/itua/layer.js';
import { group, type Cluster } from './itua-group-cluster.js';

/** Every membership frame sent, in order: kind, sender, and for a Suspect its target and code. */
function record(c: Cluster, drop: (from: NodeId, to: NodeId, m: GroupWire) => boolean) {
  const log: { kind: string; from: NodeId; target?: number; code?: string }[] = [];
  c.drop = (from, to, m) => {
    if (m.kind === 'gm-suspect')
      log.push({ kind: m.kind, from, target: m.target, code: SUSPECT_CODES[m.code] });
    else if (m.kind.startsWith('gm-')) log.push({ kind: m.kind, from });
    return drop(from, to, m);
  };
  return log;
}

describe('itua membership: Ready-to-Switch with the acknowledgement', () => {
  it('each member kept says Ready before the Commit is made; the view is installed', () => {
    const c = group(4);
    c.run(500);
    const log = record(c, () => false);
    c.nodes.get(3)?.leave();
    c.run(2_000);
    const firstCommit = log.findIndex((e) => e.kind === 'gm-commit');
    assert.ok(firstCommit > 0, 'the leader committed');
    for (const node of [0, 1, 2]) {
      const ready = log.findIndex((e) => e.kind === 'gm-ready' && e.from === node);
      assert.ok(ready >= 0 && ready < firstCommit, `member ${node} was ready before the Commit`);
    }
    for (const node of [0, 1, 2])
      assert.deepEqual(c.nodes.get(node)?.currentView(), { id: 1, members: [0, 1, 2] });
  });

  it('a leader that never commits is suspected; a member that missed its New-View is not (no Ready timer yet)', () => {
    const c = group(4);
    c.run(500);
    // Leader 0 commits nothing, and its New-View never reaches member 2.
    const log = record(
      c,
      (from, to, m) => (from === 0 && m.kind === 'gm-commit') || (to === 2 && m.kind === 'gm-new-view'),
    );
    c.nodes.get(3)?.leave();
    c.run(1_500);
    assert.ok(
      log.some((e) => e.kind === 'gm-ready' && e.from === 1),
      'member 1 was ready with its acknowledgement',
    );
    const suspected = (code: string) => log.filter((e) => e.kind === 'gm-suspect' && e.code === code);
    assert.ok(
      suspected('COMMIT_TIMEOUT').some((e) => e.from === 1 && e.target === 0),
      'member 1 suspects the leader that did not commit',
    );
    assert.deepEqual(suspected('READY_TIMEOUT'), [], 'no Ready timer ran without a Commit');
  });
});
