// Proves that heartbeats judge members only outside view installations (membership/heartbeats.ts):
// a member silent for the heartbeat timeout is suspected, but not by a member whose
// Ready-to-Switch is out (the installation's own timers judge the members then).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../src/core/ids.js';
import type { GroupWire } from '../../src/protocols/itua/index.js';
import { SUSPECT_CODES } from '../../src/protocols/itua/layer.js';
import { group, type Cluster } from './itua-group-cluster.js';

/** Heartbeat suspicions sent, as "by>target", while `drop` loses frames. */
function heartbeatSuspicions(c: Cluster, drop: (from: NodeId, to: NodeId, m: GroupWire) => boolean) {
  const seen: string[] = [];
  c.drop = (from, to, m) => {
    if (m.kind === 'gm-suspect' && SUSPECT_CODES[m.code] === 'HEARTBEAT_TIMEOUT')
      seen.push(`${from}>${m.target}`);
    return drop(from, to, m);
  };
  return seen;
}

describe('itua membership: heartbeats', () => {
  // Member 1 hears nothing from member 2 for 1.5 s (the heartbeat timeout is 1 s); stability
  // arrays would be missed only after 10 s, so heartbeats alone judge the silence.
  const tuning = { stabilityTimeoutMs: 10_000 };
  const silence = (from: NodeId, to: NodeId) => from === 2 && to === 1;

  it('a member silent for the heartbeat timeout is suspected', () => {
    const c = group(4, undefined, tuning);
    c.run(500);
    const seen = heartbeatSuspicions(c, silence);
    c.run(1_500);
    assert.ok(seen.includes('1>2'), `member 1 suspects member 2: ${seen.join(' ')}`);
  });

  it('but not by a member installing the next view: its Ready-to-Switch is out', () => {
    const c = group(4, undefined, tuning);
    c.run(500);
    // Member 3 leaves; leader 0 never commits, so members 1 and 2 stay ready for its New-View.
    const seen = heartbeatSuspicions(
      c,
      (from, to, m) => silence(from, to) || (from === 0 && m.kind === 'gm-commit'),
    );
    c.nodes.get(3)?.leave();
    c.run(1_500);
    assert.ok(
      !seen.some((s) => s.startsWith('1>')),
      `member 1 suspects nobody of silence while it installs: ${seen.join(' ')}`,
    );
  });
});
