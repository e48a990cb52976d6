// Proves the simulator is deterministic (a seed replays event for event), that its network
// faults and adversaries really act, and that its checkers catch violations: each test builds a
// world whose outcome is known and asserts on what the world reports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sequencer } from '../../src/protocols/sequencer/index.js';
import { World } from '../../src/sim/world.js';
import { sweep, sweepOptions, worldConfig } from './helpers.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('simulated worlds', () => {
  it('replays a seed exactly: same seed, same steps, deliveries and results', () => {
    const o = sweepOptions({
      module: sequencer,
      n: 3,
      seeds: 1,
      network: { loss: 0.1, duplicate: 0.05, partitions: true },
    });
    const a = new World(worldConfig(o, 42)).run();
    const b = new World(worldConfig(o, 42)).run();
    const c = new World(worldConfig(o, 43)).run();
    assert.deepEqual(a.stats, b.stats);
    assert.equal(a.virtualMs, b.virtualMs);
    assert.notDeepEqual(a.stats, c.stats, 'a different seed should make a different run');
  });

  it('completes every request of a fault-free sweep and checks agreement among followers', () => {
    const r = sweep({ module: sequencer, n: 3, seeds: 20, requests: 200 });
    assert.equal(r.failed, 0, JSON.stringify(r.violations.slice(0, 2)));
    assert.equal(r.requestsCommitted, 20 * 200);
  });

  it('survives loss, duplication and partitions that heal, and then completes everything', () => {
    const r = sweep({
      module: sequencer,
      n: 4,
      seeds: 30,
      network: { loss: 0.1, duplicate: 0.05, partitions: true },
    });
    assert.equal(r.failed, 0, JSON.stringify(r.violations.slice(0, 2)));
    assert.equal(r.requestsCommitted, 30 * 100);
  });

  it('reports the lost liveness of a crashed unreplicated sequencer, with a replay command that reproduces it', () => {
    const r = sweep({ module: sequencer, n: 1, seeds: 5, crashes: true });
    assert.equal(r.failed, 5);
    for (const v of r.violations) assert.equal(v.invariant, 'liveness');
    const v = r.violations[2] as (typeof r.violations)[number];
    const args = (v.replay.match(/"[^"]*"|\S+/g) as string[]).slice(2).map((a) => a.replace(/^"|"$/g, ''));
    const replayed = spawnSync(process.execPath, [cliMain, ...args, '--json'], { encoding: 'utf8' });
    assert.equal(replayed.status, 1, replayed.stderr);
    const report = JSON.parse(replayed.stdout) as { violations: { seed: number; message: string }[] };
    assert.deepEqual(
      report.violations.map((x) => [x.seed, x.message]),
      [[v.seed, v.message]],
    );
  });

  it("refuses frames forged in another node's name and rejects malformed ones", () => {
    const forged = sweep({ module: sequencer, n: 3, seeds: 5, byzantine: '2:forge' });
    assert.ok(forged.rejected.forged > 0, 'the forge behaviour should have injected frames');
    assert.equal(forged.failed, 0, 'forged frames must never reach a node');
    const malformed = sweep({ module: sequencer, n: 3, seeds: 5, byzantine: '2:malformed' });
    assert.ok(malformed.rejected.decode > 0, 'malformed frames should be rejected by the decoder');
  });

  it('catches a corrupt reply accepted by a client when the fault exceeds f (f = 0 here)', () => {
    const r = sweep({ module: sequencer, n: 3, seeds: 3, byzantine: '1:corrupt-reply' });
    assert.ok(r.violations.some((v) => v.invariant === 'client-result'));
  });

  it('catches a Byzantine sequencer that orders requests nobody sent (validity) or splits followers (agreement)', () => {
    const mutant = sweep({ module: sequencer, n: 3, seeds: 3, byzantine: '0:mutant' });
    assert.ok(
      mutant.violations.some((v) => ['validity', 'agreement', 'client-result'].includes(v.invariant)),
    );
    const equivocating = sweep({ module: sequencer, n: 4, seeds: 3, byzantine: '0:equivocate' });
    assert.ok(equivocating.violations.length > 0);
  });

  it('stops a run that makes no progress in virtual time (runaway guard)', () => {
    const o = sweepOptions({ module: sequencer, n: 3, seeds: 1, requests: 500 });
    const r = new World({ ...worldConfig(o, 7), eventsMax: 200 }).run();
    assert.equal(r.violations[0]?.invariant, 'runaway');
  });
});
