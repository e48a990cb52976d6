// Proves the cluster and key files round-trip, that key files are private (mode 0600), and that each kind of malformed cluster file is rejected with a message naming its problem, by writing real files to a temporary directory.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { clusterSpecToDocument, loadClusterFile, saveClusterFile } from '../../src/config/cluster-file.js';
import { checkKeyMatchesCluster, loadKeyFile, saveKeyFile } from '../../src/config/key-file.js';
import { generateCluster, writeClusterDir, type GeneratedCluster } from '../../src/config/cluster-gen.js';

let dir = '';
let generated: GeneratedCluster;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-cluster-file-'));
  const result = generateCluster({ n: 4, clients: 2 });
  assert.ok(result.ok);
  generated = result.value;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Entry = Record<string, unknown>;
interface Doc {
  [key: string]: unknown;
  members: Entry[];
  clients: Entry[];
}

/** Item `i` of a list the test itself built, so its absence would be a bug of the test. */
function nth<T>(list: readonly T[], i: number): T {
  const item = list[i];
  assert.ok(item !== undefined, `no item ${i}`);
  return item;
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

/** The generated cluster as a plain document, changed by `edit`, written and loaded back. */
async function loadEdited(name: string, edit: (doc: Doc) => void) {
  const doc = structuredClone(clusterSpecToDocument(generated.spec)) as unknown as Doc;
  edit(doc);
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, YAML.stringify(doc));
  return loadClusterFile(path);
}

describe('generateCluster', () => {
  it('applies the defaults of `bulwark keygen`', () => {
    const { spec, privates } = generated;
    assert.equal(spec.name, 'bulwark-local');
    assert.equal(spec.crypto, 'real');
    assert.equal(spec.encryption, false);
    assert.equal(spec.f, 1);
    assert.deepEqual(
      spec.members.map((m) => [m.id, m.host, m.port]),
      [
        [0, '127.0.0.1', 7100],
        [1, '127.0.0.1', 7101],
        [2, '127.0.0.1', 7102],
        [3, '127.0.0.1', 7103],
      ],
    );
    assert.deepEqual(
      spec.clients.map((c) => c.id),
      [1000, 1001],
    );
    assert.deepEqual(
      privates.map((p) => p.id),
      [0, 1, 2, 3, 1000, 1001, 1002],
    );
    // The administrator, who signs reconfigurations (smr/switching), is the next client id.
    assert.equal(spec.admin?.id, 1002);
    const seven = generateCluster({ n: 7, f: 1, protocol: 'paxos' });
    assert.ok(seven.ok);
    assert.equal(seven.value.spec.clients.length, 8);
    assert.equal(seven.value.spec.f, 1);
  });

  it('rejects impossible options', () => {
    const bad = generateCluster({ n: 0 });
    assert.ok(!bad.ok);
    assert.match(bad.error.message, /n: must be an integer/);
    const ports = generateCluster({ n: 4, basePort: 65_534 });
    assert.ok(!ports.ok);
    assert.match(ports.error.message, /basePort/);
  });
});

describe('cluster file', () => {
  it('round-trips generate → save → load', async () => {
    const path = join(dir, 'roundtrip.yaml');
    assert.deepEqual(await saveClusterFile(path, generated.spec), { ok: true, value: undefined });
    const loaded = await loadClusterFile(path);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    assert.deepEqual(loaded.value, generated.spec);
    const text = await readFile(path, 'utf8');
    assert.match(text, /^version: 1$/m);
    assert.match(
      text,
      /- \{ id: 0, host: 127\.0\.0\.1, port: 7100, signPublicKey: [A-Za-z0-9+/]{43}=, dhPublicKey: /,
    );
  });

  it('writes cluster.yaml and 0600 key files into a 0700 directory, and will not clobber them', async () => {
    const out = join(dir, 'keygen-out');
    const written = await writeClusterDir(out, generated);
    assert.ok(written.ok, written.ok ? '' : written.error.message);
    assert.equal(written.value.length, 1 + 7);
    assert.equal(await modeOf(out), 0o700);
    for (const name of ['member-0.key', 'member-3.key', 'client-1000.key', 'client-1001.key', 'admin.key']) {
      assert.equal(await modeOf(join(out, name)), 0o600, name);
    }
    const spec = await loadClusterFile(join(out, 'cluster.yaml'));
    const key = await loadKeyFile(join(out, 'member-2.key'));
    assert.ok(spec.ok && key.ok);
    assert.deepEqual(key.value, generated.privates[2]);
    assert.equal(checkKeyMatchesCluster(spec.value, key.value).ok, true);

    const again = await writeClusterDir(out, generated);
    assert.ok(!again.ok);
    assert.equal(again.error.code, 'io');
    assert.match(again.error.message, /already exists/);
  });
});

describe('key files', () => {
  it('are created with mode 0600 and an existing looser file is tightened', async () => {
    const fresh = join(dir, 'fresh.key');
    assert.ok((await saveKeyFile(fresh, nth(generated.privates, 0))).ok);
    assert.equal(await modeOf(fresh), 0o600);

    const loose = join(dir, 'loose.key');
    await writeFile(loose, 'old');
    await chmod(loose, 0o644);
    assert.ok((await saveKeyFile(loose, nth(generated.privates, 4))).ok);
    assert.equal(await modeOf(loose), 0o600);
    const loaded = await loadKeyFile(loose);
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.value, generated.privates[4]);
  });

  it('are never written through a symlink', async () => {
    const target = join(dir, 'target.txt');
    const link = join(dir, 'link.key');
    await writeFile(target, 'untouched');
    await symlink(target, link);
    const result = await saveKeyFile(link, nth(generated.privates, 0));
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'io');
    assert.equal(await readFile(target, 'utf8'), 'untouched');
  });

  it('are rejected when malformed or when they belong to another node', async () => {
    const path = join(dir, 'bad.key');
    await writeFile(path, 'id: 1\nsignPrivateKey: AAAA\ndhPrivateKey: 1\nextra: 2\n');
    const bad = await loadKeyFile(path);
    assert.ok(!bad.ok);
    assert.match(bad.error.message, /signPrivateKey: must decode to exactly 32 bytes, got 3/);
    assert.match(bad.error.message, /dhPrivateKey: must be a standard base64 string/);
    assert.match(bad.error.message, /extra: unknown key/);
    const swapped = { ...nth(generated.privates, 1), id: 0 };
    const mismatch = checkKeyMatchesCluster(generated.spec, swapped);
    assert.ok(!mismatch.ok);
    assert.match(mismatch.error.message, /do not match/);
  });
});

describe('malformed cluster files', () => {
  const cases: [string, (doc: Doc) => void, RegExp][] = [
    ['wrong version', (d) => (d.version = 2), /version: must be 1, got 2/],
    ['missing version', (d) => delete d.version, /version: must be 1, got nothing/],
    ['duplicate member ids', (d) => (nth(d.members, 1).id = 0), /id: duplicate id 0/],
    [
      'member ids not 0..n-1',
      (d) => (nth(d.members, 3).id = 5),
      /members: ids must be exactly 0\.\.3.*missing 3/,
    ],
    [
      'member id in client range',
      (d) => (nth(d.members, 0).id = 1000),
      /members\[0\]\.id: must be an integer member id/,
    ],
    [
      'client id below 1000',
      (d) => (nth(d.clients, 0).id = 999),
      /clients\[0\]\.id: must be an integer client id >= 1000, got 999/,
    ],
    ['duplicate client ids', (d) => (nth(d.clients, 1).id = 1000), /id: duplicate id 1000/],
    [
      'port 0',
      (d) => (nth(d.members, 0).port = 0),
      /members\[0\]\.port: must be an integer in 1\.\.65535, got 0/,
    ],
    [
      'port 70000',
      (d) => (nth(d.members, 2).port = 70_000),
      /members\[2\]\.port: must be an integer in 1\.\.65535, got 70000/,
    ],
    [
      'port as a string',
      (d) => (nth(d.members, 1).port = '7101'),
      /members\[1\]\.port: must be an integer in 1\.\.65535, got '7101'/,
    ],
    [
      'short key',
      (d) => (nth(d.members, 0).signPublicKey = Buffer.alloc(31).toString('base64')),
      /members\[0\]\.signPublicKey: must decode to exactly 32 bytes, got 31/,
    ],
    [
      'long key',
      (d) => (nth(d.clients, 1).dhPublicKey = Buffer.alloc(33).toString('base64')),
      /clients\[1\]\.dhPublicKey: must decode to exactly 32 bytes, got 33/,
    ],
    [
      'non-base64 key',
      (d) => (nth(d.members, 0).dhPublicKey = 'not a key!'),
      /members\[0\]\.dhPublicKey: must be a standard base64 string/,
    ],
    [
      'base64url key',
      (d) => (nth(d.members, 0).dhPublicKey = Buffer.alloc(32, 0xfb).toString('base64url')),
      /must be a standard base64 string/,
    ],
    ['unknown top-level key', (d) => (d.replicas = 4), /replicas: unknown key/],
    [
      'unknown member key',
      (d) => (nth(d.members, 0).sigPublicKey = 'x'),
      /members\[0\]\.sigPublicKey: unknown key/,
    ],
    ['empty protocol', (d) => (d.protocol = ''), /protocol: must be a non-empty label/],
    ['protocol not a string', (d) => (d.protocol = 3), /protocol: must be a non-empty label/],
    ['negative f', (d) => (d.f = -1), /f: must be a non-negative integer, got -1/],
    ['fractional f', (d) => (d.f = 1.5), /f: must be a non-negative integer, got 1.5/],
    ['unknown crypto mode', (d) => (d.crypto = 'fast'), /crypto: must be 'real' or 'none', got 'fast'/],
    ['encryption not a boolean', (d) => (d.encryption = 'yes'), /encryption: must be true or false/],
    ['empty name', (d) => (d.name = ''), /name: must be a non-empty name/],
    ['no members', (d) => (d.members = []), /members: must list 1\.\.256 entries, got 0/],
    ['members not a list', (d) => Object.assign(d, { members: { a: 1 } }), /members: must be a list/],
    [
      'member not a mapping',
      (d) => Object.assign(d.members, { 0: 'replica' }),
      /members\[0\]: must be a mapping/,
    ],
    [
      'empty host',
      (d) => (nth(d.members, 0).host = ''),
      /members\[0\]\.host: must be a host name or address/,
    ],
    [
      'shared host and port',
      (d) => (nth(d.members, 1).port = nth(d.members, 0).port),
      /host:port: duplicate host:port 127\.0\.0\.1:7100/,
    ],
    [
      'shared signing key',
      (d) => (nth(d.clients, 0).signPublicKey = nth(d.members, 0).signPublicKey),
      /signPublicKey: duplicate signPublicKey/,
    ],
  ];

  for (const [name, edit, expected] of cases) {
    it(`rejects ${name}`, async () => {
      const result = await loadEdited(name.replace(/\W+/g, '-'), edit);
      assert.ok(!result.ok, 'must be rejected');
      assert.equal(result.error.code, 'invalid');
      assert.match(result.error.message, expected);
      assert.match(result.error.message, new RegExp(`${name.replace(/\W+/g, '-')}\\.yaml: `));
    });
  }

  it('lists every problem of a file at once', async () => {
    const result = await loadEdited('many', (d) => {
      d.version = 3;
      d.f = -2;
      nth(d.members, 0).port = 0;
    });
    assert.ok(!result.ok);
    assert.equal(result.error.problems.length, 3);
  });

  it('rejects text that is not YAML, or has duplicate keys, as a syntax error', async () => {
    for (const [name, text, expected] of [
      ['broken', 'version: 1\nmembers: [\n', /not valid YAML/],
      ['dupkeys', 'version: 1\nversion: 1\n', /unique/],
    ] as const) {
      const path = join(dir, `${name}.yaml`);
      await writeFile(path, text);
      const result = await loadClusterFile(path);
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'syntax');
      assert.match(result.error.message, expected);
    }
  });

  it('rejects a document that is not a mapping, and reports a missing file as io', async () => {
    const path = join(dir, 'list.yaml');
    await writeFile(path, '- 1\n- 2\n');
    const list = await loadClusterFile(path);
    assert.ok(!list.ok);
    assert.match(list.error.message, /must be a mapping/);
    const missing = await loadClusterFile(join(dir, 'nope.yaml'));
    assert.ok(!missing.ok);
    assert.equal(missing.error.code, 'io');
  });
});
