// Proves launchGroup and fault injection over TCP with one process per member: four member
// processes form the group, multicasts made through one handle reach every member (reports streamed
// back over IPC), an authorized fifth node started later is admitted (a view with it at every
// member) and its multicasts are delivered, a member made `mutant` by name is caught by every
// correct member (an EQUIVOCATION suspicion, then a view without it, and it learns it was
// excluded), an unknown fault name is refused, and `crash` kills the process while the others go on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TIMEOUT_CODES, type SuspectCode } from '../../src/protocols/itua/index.js';
import {
  launchGroup,
  type GroupHandle,
  type GroupReport,
  type MemberHandle,
} from '../../src/runtime/group/launch.js';
import { SLOW_MACHINE } from './group-helpers.js';

const enc = new TextEncoder();
let g: GroupHandle;

const delivered = (text: string) => (r: GroupReport) =>
  r.kind === 'deliver' && new TextDecoder().decode(r.data) === text;
const running = (ids: readonly number[]) => ids.map((id) => g.members[id] as MemberHandle);

describe('launchGroup: an ITUA group as processes over TCP', () => {
  before(async () => {
    // Generous timeouts: a member starved of CPU on a busy machine is not taken for a faulty one.
    g = await launchGroup({
      n: 4,
      joiners: 1,
      tuning: SLOW_MACHINE,
    });
  });

  after(async () => {
    await g.stop();
  });

  it('streams every member deliveries of a multicast made through one handle', async () => {
    assert.equal(g.members[4]!.running, false);
    await g.members[0]!.multicast(enc.encode('hello'), 'total');
    const seen = await Promise.all(running([0, 1, 2, 3]).map((m) => m.waitFor(delivered('hello'), 10_000)));
    for (const s of seen) assert.equal(s.report.kind === 'deliver' && s.report.sender, 0);
  });

  it('admits an authorized node started later', async () => {
    await g.start(4);
    const withFour = (r: GroupReport) => r.kind === 'view' && r.view.members.includes(4);
    const views = await Promise.all(running([0, 1, 2, 3, 4]).map((m) => m.waitFor(withFour, 15_000)));
    for (const v of views)
      assert.deepEqual(v.report.kind === 'view' && v.report.view.members, [0, 1, 2, 3, 4]);
    await g.members[4]!.multicast(enc.encode('the newcomer'), 'total');
    await Promise.all(running([0, 1, 2, 3, 4]).map((m) => m.waitFor(delivered('the newcomer'), 10_000)));
  });

  it('gets a mutant member caught and excluded by every correct member', async () => {
    assert.deepEqual(await g.inject(3, ['mutant']), ['mutant']);
    // The mutant lies about every other multicast of its own (seq 1, 3, ...): make a few.
    for (let i = 0; i < 4; i++) await g.members[3]!.multicast(enc.encode(`from the mutant ${i}`), 'fifo');
    const correct = running([0, 1, 2, 4]);
    const suspected = (r: GroupReport) => r.kind === 'suspect' && r.node === 3 && r.code === 'EQUIVOCATION';
    const excluded = (r: GroupReport) => r.kind === 'view' && !r.view.members.includes(3);
    await Promise.all(correct.map((m) => m.waitFor(suspected, 15_000)));
    const views = await Promise.all(correct.map((m) => m.waitFor(excluded, 15_000)));
    for (const v of views) assert.deepEqual(v.report.kind === 'view' && v.report.view.members, [0, 1, 2, 4]);
    await g.members[3]!.waitFor((r) => r.kind === 'excluded', 15_000);
    // No correct member is blamed with evidence (a timeout may strike a member starved of CPU).
    for (const m of correct) {
      const blamed = m.reports.filter(
        (t) =>
          t.report.kind === 'suspect' &&
          t.report.node !== 3 &&
          !TIMEOUT_CODES.has(t.report.code as SuspectCode),
      );
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
    await Promise.all(running([0, 1, 4]).map((m) => m.waitFor(delivered('after the crash'), 10_000)));
  });
});
