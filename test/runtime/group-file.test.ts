// Proves the group's cluster file: a generated group with joiners and tuning survives writing and
// loading (view 0, the authorized list, the tuning), view 0 keeps the rank order given, a plain `keygen --protocol itua` file means
// "everybody in view 0", and wrong files are refused with every problem named (another protocol,
// an initial view naming a stranger or a member twice, a tuning value that is not a duration).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clusterSpecToDocument } from '../../src/config/cluster-file.js';
import YAML from 'yaml';
import {
  formatGroupFile,
  generateGroup,
  loadGroupFile,
  parseGroupDocument,
  writeGroupDir,
} from '../../src/runtime/group/group-file.js';

function generated() {
  const made = generateGroup({ n: 5, initial: 4, tuning: { stallMs: 4000 } });
  assert.ok(made.ok, made.ok ? '' : made.error.message);
  return made.value;
}

describe('the group cluster file', () => {
  it('round-trips view 0, the authorized list and the tuning through a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-group-file-'));
    try {
      const g = generated();
      const wrote = await writeGroupDir(dir, g);
      assert.ok(wrote.ok);
      const loaded = await loadGroupFile(dir);
      assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
      assert.deepEqual(loaded.value.initial, [0, 1, 2, 3]);
      assert.deepEqual(loaded.value.authorized, [0, 1, 2, 3, 4]);
      assert.deepEqual(loaded.value.tuning, { stallMs: 4000 });
      assert.equal(loaded.value.cluster.protocol, 'itua');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the rank order of view 0 as given', () => {
    const made = generateGroup({ n: 4, ranks: [2, 0, 3] });
    assert.ok(made.ok);
    const text = formatGroupFile(made.value);
    assert.ok(text.ok);
    const parsed = parseGroupDocument(YAML.parse(text.value));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.initial, [2, 0, 3]);
    assert.deepEqual(parsed.value.authorized, [0, 1, 2, 3]);
  });

  it('puts every member in view 0 when the file has no group section', () => {
    const doc = clusterSpecToDocument(generated().cluster);
    const parsed = parseGroupDocument(doc);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.initial, [0, 1, 2, 3, 4]);
  });

  it('refuses wrong files, naming every problem', () => {
    const doc = { ...clusterSpecToDocument(generated().cluster), protocol: 'pbft' };
    const bad = parseGroupDocument({ ...doc, group: { initial: [0, 0, 9], tuning: { stallMs: 'soon' } } });
    assert.ok(!bad.ok);
    const text = bad.error.problems.join('\n');
    assert.match(text, /protocol: must be 'itua'/);
    assert.match(text, /group\.initial: must list ids of members/);
    assert.match(text, /group\.initial: must not list a member twice/);
    assert.match(text, /group\.tuning\.stallMs: must be an integer/);
    const unknownKey = parseGroupDocument({ ...doc, protocol: 'itua', group: { views: 3 } });
    assert.ok(!unknownKey.ok);
    assert.match(unknownKey.error.message, /group\.views: unknown key/);
  });
});
