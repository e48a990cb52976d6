// Proves launchGroup and fault injection over TCP with one process per member: four member
// processes come up, multicasts made through one handle reach every member (reports streamed back
// over IPC), a member made `mutant` by name is detected by every correct member (an EQUIVOCATION
// suspicion; with membership, a view without it), an unknown fault name is refused, and `crash`
// kills the process while the others go on delivering (FIFO).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchGroup, type GroupHandle, type GroupReport } from '../../src/runtime/group/launch.js';
import { memberHasMembership } from '../../src/runtime/group/member-kind.js';

const enc = new TextEncoder();
let g: GroupHandle;

const delivered = (text: string) => (r: GroupReport) =>
  r.kind === 'deliver' && new TextDecoder().decode(r.data) === text;

describe('launchGroup: an ITUA group as processes over TCP', () => {
  before(async () => {
    g = await launchGroup({ n: 4 });
  });

  after(async () => {
    await g.stop();
  });

  it('streams every member deliveries of a multicast made through one handle', async () => {
    await g.members[0]!.multicast(enc.encode('hello'), 'total');
    const seen = await Promise.all(g.members.map((m) => m.waitFor(delivered('hello'), 10_000)));
    for (const s of seen) assert.equal(s.report.kind === 'deliver' && s.report.sender, 0);
  });

  it('gets a mutant member detected by every correct member', async () => {
    assert.deepEqual(await g.inject(3, ['mutant']), ['mutant']);
    // The mutant lies about every other multicast of its own (seq 1, 3, ...): make a few.
    for (let i = 0; i < 4; i++) await g.members[3]!.multicast(enc.encode(`from the mutant ${i}`), 'fifo');
    const correct = g.members.slice(0, 3);
    const detected = (r: GroupReport) =>
      memberHasMembership
        ? r.kind === 'view' && !r.view.members.includes(3)
        : r.kind === 'suspect' && r.node === 3 && r.code === 'EQUIVOCATION';
    await Promise.all(correct.map((m) => m.waitFor(detected, 15_000)));
    // No correct member is blamed for it.
    for (const m of correct) {
      const blamed = m.reports.filter((t) => t.report.kind === 'suspect' && t.report.node !== 3);
      assert.deepEqual(blamed, []);
    }
  });

  it('refuses a fault name it does not know', async () => {
    await assert.rejects(g.inject(1, ['no-such-fault']), /cannot inject 'no-such-fault'/);
  });

  it('crashes a member on request while the others go on', async () => {
    await g.inject(2, ['crash']);
    assert.equal(g.members[2]!.running, false);
    await g.members[1]!.multicast(enc.encode('after the crash'), 'fifo');
    await Promise.all([0, 1].map((i) => g.members[i]!.waitFor(delivered('after the crash'), 10_000)));
  });
});
