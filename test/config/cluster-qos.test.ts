// Proves a cluster file can state a QoS instead of a protocol: loading it plans the protocol, f and tuning; a QoS its members cannot meet, or meet only with fewer replicas, is refused at load with the planner's reason; an optional tuning section is checked and wins over the plan; and the tuning reaches real replicas: four PBFT replicas started from such a file, over TCP with real crypto, take a stable checkpoint every 4 requests (their default is 128), and a tuning PBFT rejects stops a replica at start with the reason.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import {
  clusterSpecToDocument,
  formatClusterFile,
  parseClusterDocument,
  parseClusterFile,
} from '../../src/config/cluster-file.js';
import { generateCluster, writeClusterDir, type GeneratedCluster } from '../../src/config/cluster-gen.js';
import { silentLogger } from '../../src/core/log.js';
import { pbft } from '../../src/protocols/pbft/index.js';
import { clusterClient } from '../../src/runtime/cluster-client.js';
import { freePorts } from '../../src/runtime/launcher.js';
import { startReplica, type RunningReplica } from '../../src/runtime/replica-process.js';

/** A generated 4-member cluster's document, with its protocol section replaced by `section`. */
function document(generated: GeneratedCluster, section: Record<string, unknown>): Record<string, unknown> {
  const { protocol: _p, f: _f, ...rest } = clusterSpecToDocument(generated.spec);
  return { ...rest, ...section };
}

let four: GeneratedCluster;
let five: GeneratedCluster;

before(() => {
  const a = generateCluster({ n: 4, clients: 1 });
  const b = generateCluster({ n: 5, clients: 1 });
  assert.ok(a.ok && b.ok);
  four = a.value;
  five = b.value;
});

describe('cluster file: qos and tuning sections', () => {
  it('plans protocol, f and tuning from the qos on the members listed', () => {
    const r = parseClusterDocument(document(four, { qos: { byzantine: 1 } }));
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(r.value.protocol, 'pbft');
    assert.equal(r.value.f, 1);
    assert.deepEqual(r.value.qos, {
      byzantine: 1,
      crash: 0,
      timing: 'partial-sync',
      consistency: 'strong',
      priority: 'throughput',
    });
    assert.equal(r.value.tuning?.batchMax, 1024);
    const latency = parseClusterDocument(
      document(four, {
        qos: { byzantine: 1, priority: 'latency' },
        tuning: { batchMax: 8, checkpointInterval: 16, logSize: 32 },
      }),
    );
    assert.ok(latency.ok);
    assert.equal(latency.value.tuning?.batchMax, 8, 'the file wins over the plan');
    assert.equal(latency.value.tuning?.requestTimeoutMs, 300, 'the plan fills the rest');
    assert.equal(latency.value.tuning?.checkpointInterval, 16);
  });

  it('refuses at load a qos the members cannot meet, with the reason', () => {
    const r = parseClusterDocument(document(four, { qos: { byzantine: 2 } }));
    assert.ok(!r.ok);
    assert.match(
      r.error.message,
      /qos: cannot be met by the 4 members listed: 2 Byzantine faults need 7 replicas \(3f\+1\) with pbft and 4 hosts were given/,
    );
    const async = parseClusterDocument(document(four, { qos: { byzantine: 1, timing: 'async' } }));
    assert.ok(!async.ok);
    assert.match(async.error.message, /async is the protocol .* not available yet/);
  });

  it('refuses members the plan would not count, a qos beside a protocol, and bad values', () => {
    const spare = parseClusterDocument(document(five, { qos: { byzantine: 1 } }));
    assert.ok(!spare.ok);
    assert.match(
      spare.error.message,
      /plans pbft on exactly 4 replicas \(f = 1\) and the file lists 5 members/,
    );
    const both = parseClusterDocument({
      ...document(four, { qos: { byzantine: 1 } }),
      protocol: 'pbft',
      f: 1,
    });
    assert.ok(!both.ok);
    assert.match(both.error.message, /either protocol and f, or qos/);
    const bad = parseClusterDocument(
      document(four, {
        qos: { byzantine: 1, hosts: 4, timing: 'sync' },
        tuning: { batchMax: -1, 'x y': 1, checkpointInterval: 2.5 },
      }),
    );
    assert.ok(!bad.ok);
    for (const what of [
      /qos: hosts: unknown key/,
      /qos: timing: must be one of/,
      /tuning.batchMax: must be a number/,
      /tuning.x y: must be a name/,
      /tuning.checkpointInterval: must be a positive integer/,
    ])
      assert.match(bad.error.message, what);
  });

  it('a tuning section also goes with a stated protocol, and files round-trip', () => {
    const stated = parseClusterDocument({
      ...clusterSpecToDocument(four.spec),
      tuning: { checkpointInterval: 32 },
    });
    assert.ok(stated.ok);
    assert.deepEqual(stated.value.tuning, { checkpointInterval: 32 });
    const made = generateCluster({
      n: 4,
      clients: 1,
      protocol: 'pbft',
      f: 1,
      qos: { byzantine: 1, crash: 0, timing: 'partial-sync', consistency: 'strong', priority: 'latency' },
    });
    assert.ok(made.ok);
    const text = formatClusterFile(made.value.spec);
    assert.ok(text.ok);
    assert.match(text.value, /qos:/);
    assert.doesNotMatch(text.value, /^protocol:/m);
    const back = parseClusterFile(text.value);
    assert.ok(back.ok);
    assert.equal(back.value.protocol, 'pbft');
    assert.deepEqual(back.value.qos, made.value.spec.qos);
    const wrong = formatClusterFile({ ...made.value.spec, protocol: 'sequencer' });
    assert.ok(!wrong.ok);
    assert.match(wrong.error.message, /qos plans pbft, f = 1, not sequencer/);
    assert.ok(YAML.parse(text.value));
  });
});

describe('cluster file tuning reaches real replicas', () => {
  let dir = '';
  const replicas: RunningReplica[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-qos-'));
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function writeCluster(sub: string, tuning: Record<string, number>): Promise<GeneratedCluster> {
    const ports = await freePorts(4);
    const spec = { ...four.spec, members: four.spec.members.map((m, i) => ({ ...m, port: ports[i]! })) };
    const doc = { ...document({ ...four, spec }, { qos: { byzantine: 1, priority: 'latency' } }), tuning };
    const parsed = parseClusterDocument(doc);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
    const wrote = await writeClusterDir(join(dir, sub), { ...four, spec: parsed.value });
    assert.ok(wrote.ok, wrote.ok ? '' : wrote.error.message);
    return { ...four, spec: parsed.value };
  }

  it('four PBFT replicas planned from a qos checkpoint every 4 requests, as the file says', async () => {
    const cluster = await writeCluster('good', { checkpointInterval: 4, logSize: 8 });
    const configPath = join(dir, 'good', 'cluster.yaml');
    for (const id of [0, 1, 2, 3])
      replicas.push(
        await startReplica({ configPath, id, context: 'deployment', replyBytes: 0, log: silentLogger }),
      );
    const identity = cluster.spec.clients[0]!;
    const key = cluster.privates.find((p) => p.id === identity.id)!;
    const client = clusterClient({
      spec: cluster.spec,
      module: pbft,
      identity,
      key,
      context: 'deployment',
      windowMax: 1,
      unorderedReads: false,
    });
    await client.start();
    try {
      for (let i = 0; i < 13; i++) await client.invoke(new Uint8Array([i]));
    } finally {
      await client.close();
    }
    // The last checkpoint becomes stable once its messages arrive; give them a moment to.
    for (
      let wait = 0;
      wait < 50 && replicas.some((r) => Number(r.status().counters?.stableCheckpoint) < 12);
      wait++
    )
      await new Promise((r) => setTimeout(r, 50));
    for (const r of replicas) assert.equal(r.status().counters?.stableCheckpoint, 12, 'stable at 4, 8, 12');
    assert.equal(replicas[0]!.spec.protocol, 'pbft');
  });

  it('a tuning PBFT rejects stops the replica at start, with the reason', async () => {
    await writeCluster('bad', { checkpointInterval: 4, logSize: 6 });
    await assert.rejects(
      startReplica({
        configPath: join(dir, 'bad', 'cluster.yaml'),
        id: 0,
        context: 'deployment',
        replyBytes: 0,
        log: silentLogger,
      }),
      /tuning: .*logSize must be a multiple of checkpointInterval/,
    );
  });
});
