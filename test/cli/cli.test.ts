// Proves the CLI's contracts by running the real `bulwark` binary: keygen writes a cluster file
// and 0600 key files; a deployment refuses crypto 'none'; subcommands of later issues say they are
// not available and exit non-zero; a crash-fault protocol refuses --byzantine; bad options are usage errors; `sim --json` has the fields
// outside tools rely on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const bulwark = (...args: string[]) =>
  spawnSync(process.execPath, [cliMain, ...args], { encoding: 'utf8', timeout: 60_000 });
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-cli-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('bulwark CLI', () => {
  it('keygen writes a cluster file and private key files with mode 0600', async () => {
    const out = join(dir, 'c4');
    const r = bulwark('keygen', '--n', '4', '--out', out, '--clients', '2');
    assert.equal(r.status, 0, r.stderr);
    const yaml = await readFile(join(out, 'cluster.yaml'), 'utf8');
    assert.match(yaml, /members:/);
    for (const f of ['member-0.key', 'member-3.key', 'client-1000.key', 'client-1001.key']) {
      assert.equal((await stat(join(out, f))).mode & 0o777, 0o600, f);
    }
    assert.notEqual(
      bulwark('keygen', '--n', '4', '--out', out).status,
      0,
      'keygen must not overwrite keys without --force',
    );
  });

  it("refuses to run a replica of a cluster whose crypto is 'none' outside bench", async () => {
    const out = join(dir, 'none');
    assert.equal(
      bulwark('keygen', '--n', '1', '--out', out, '--crypto', 'none', '--protocol', 'sequencer').status,
      0,
    );
    const r = bulwark('replica', '--config', join(out, 'cluster.yaml'), '--id', '0');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /crypto mode 'none' is accepted only by/);
  });

  it('says that protocols of later issues are not available yet, and exits non-zero', () => {
    const fab = bulwark('sim', '--protocol', 'fab', '--n', '6', '--seeds', '1');
    assert.notEqual(fab.status, 0);
    assert.match(fab.stderr, /not available yet/);
  });

  it('refuses Byzantine behaviours for a crash-fault protocol, with exit code 2', () => {
    const r = bulwark('sim', '--protocol', 'paxos', '--n', '3', '--seeds', '1', '--byzantine', '1:silent');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /paxos tolerates crash faults only/);
  });

  it('treats bad option values as usage errors', () => {
    assert.notEqual(bulwark('sim', '--protocol', 'sequencer', '--n', 'x', '--seeds', '1').status, 0);
    assert.notEqual(
      bulwark('sim', '--protocol', 'sequencer', '--n', '1', '--seeds', '1', '--loss', '2').status,
      0,
    );
    const byz = bulwark(
      'sim',
      '--protocol',
      'sequencer',
      '--n',
      '3',
      '--seeds',
      '1',
      '--byzantine',
      '7:silent',
    );
    assert.notEqual(byz.status, 0);
    assert.match(byz.stderr, /replicas are 0\.\.2/);
  });

  it('sim --json reports the contract fields and exits 0 when nothing is violated', () => {
    const r = bulwark('sim', '--protocol', 'sequencer', '--n', '1', '--seeds', '20', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of [
      'protocol',
      'n',
      'f',
      'runs',
      'passed',
      'failed',
      'requestsCommitted',
      'wallSeconds',
      'violations',
    ]) {
      assert.ok(k in j, `missing ${k}`);
    }
    assert.equal(j.runs, 20);
    assert.equal(j.passed, 20);
  });

  it('fuzz codec reports zero escapes as JSON', () => {
    const r = bulwark('fuzz', 'codec', '--iterations', '20000', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { escapes: number; iterations: number };
    assert.equal(j.iterations, 20000);
    assert.equal(j.escapes, 0);
  });
});
