// Proves `bulwark plan` and QoS-planned `bulwark keygen` through the real binary: a QoS the hosts cannot meet exits 3 with the reason, a protocol not built yet exits 69, a possible QoS exits 0 and explains its choice, `--json` carries the deployment, and keygen with QoS options writes a cluster file whose qos section plans the same deployment on load.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadClusterFile } from '../../src/config/cluster-file.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const bulwark = (...args: string[]) =>
  spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8', timeout: 60_000 });
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-plan-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('bulwark plan', () => {
  it('refuses 2 Byzantine faults on 5 hosts with the 3f+1 reason, exit 3', () => {
    const r = bulwark('plan', '--byzantine', '2', '--hosts', '5');
    assert.equal(r.status, 3, r.stderr);
    assert.match(
      r.stdout,
      /refused: 2 Byzantine faults need 7 replicas \(3f\+1\) with pbft and 5 hosts were given/,
    );
  });

  it('plans pbft for 1 Byzantine fault on 5 hosts and explains the spare', () => {
    const r = bulwark('plan', '--byzantine', '1', '--hosts', '5', '--priority', 'latency');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /protocol +pbft/);
    assert.match(r.stdout, /replicas +4 \(f = 1, byzantine faults\)/);
    assert.match(r.stdout, /1 host stays spare/);
    assert.match(r.stdout, /fab would need 6 replicas \(5f\+1\) but is not available yet/);
  });

  it('says async is the protocol for the asynchronous model and exits 69 while it is not built', () => {
    const r = bulwark('plan', '--byzantine', '1', '--timing', 'async');
    assert.equal(r.status, 69, r.stderr);
    assert.match(
      r.stdout,
      /refused: async is the protocol for 1 Byzantine fault .* not available yet: randomized asynchronous agreement/,
    );
  });

  it('--json carries the deployment; no faults plan the sequencer', () => {
    const r = bulwark('plan', '--consistency', 'best-effort', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      ok: boolean;
      deployment: { protocol: string; n: number };
      reasons: string[];
    };
    assert.equal(j.ok, true);
    assert.deepEqual([j.deployment.protocol, j.deployment.n], ['sequencer', 1]);
    assert.ok(j.reasons.length > 0);
    const crash = JSON.parse(bulwark('plan', '--crash', '1', '--json').stdout) as { reasons: string[] };
    assert.ok(crash.reasons.some((x) => /Paxos tolerates 1 crash with 2f\+1 = 3 replicas/.test(x)));
  });

  it('rejects bad values as usage errors', () => {
    assert.notEqual(bulwark('plan', '--timing', 'sync').status, 0);
    assert.notEqual(bulwark('plan', '--hosts', '0').status, 0);
  });
});

describe('bulwark keygen with QoS options', () => {
  it('plans the cluster, writes the qos section, and refuses an impossible QoS without writing', async () => {
    const out = join(dir, 'planned');
    const r = bulwark('keygen', '--out', out, '--byzantine', '1', '--n', '5', '--clients', '1');
    assert.equal(r.status, 0, r.stderr);
    const loaded = await loadClusterFile(join(out, 'cluster.yaml'));
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    assert.equal(loaded.value.members.length, 4);
    assert.deepEqual([loaded.value.protocol, loaded.value.f, loaded.value.qos?.byzantine], ['pbft', 1, 1]);
    assert.ok(!existsSync(join(out, 'member-4.key')), 'the spare host gets no key');
    const bad = bulwark('keygen', '--out', join(dir, 'bad'), '--byzantine', '2', '--n', '5');
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /need 7 replicas/);
    assert.ok(!existsSync(join(dir, 'bad')));
    assert.equal(
      bulwark('keygen', '--out', join(dir, 'both'), '--byzantine', '1', '--protocol', 'pbft').status,
      2,
    );
  });
});
