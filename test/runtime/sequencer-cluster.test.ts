// Proves the sequencer runs over real TCP between separate processes with real crypto: three
// `bulwark replica` processes (deployment context) and a client library instance in this
// process; every request completes, exactly once (the counter service's results are the
// execution ranks, so they must be distinct and gapless), and a stopped cluster leaves no process.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codec } from '../../src/codec/frame.js';
import { generateCluster, writeClusterDir } from '../../src/config/cluster-gen.js';
import { silentLogger } from '../../src/core/log.js';
import { createClusterCryptoSuite } from '../../src/crypto/index.js';
import { createTcpTransport } from '../../src/net/tcp/index.js';
import { sequencer } from '../../src/protocols/sequencer/index.js';
import { BulwarkClient } from '../../src/runtime/client.js';
import { freePorts, launchCluster, stopCluster, type ReplicaChild } from '../../src/runtime/launcher.js';
import { wireSchema, type Wire } from '../../src/smr/messages.js';

let dir = '';
let children: ReplicaChild[] = [];
let client: BulwarkClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-seq-'));
  const ports = await freePorts(3);
  const made = generateCluster({ n: 3, clients: 1, protocol: 'sequencer', f: 0, name: 'seq-test' });
  assert.ok(made.ok);
  const spec = {
    ...made.value.spec,
    members: made.value.spec.members.map((m, i) => ({ ...m, port: ports[i] as number })),
  };
  const wrote = await writeClusterDir(dir, { ...made.value, spec });
  assert.ok(wrote.ok);
  children = await launchCluster({
    configPath: join(dir, 'cluster.yaml'),
    ids: [0, 1, 2],
    context: 'deployment',
  });
  const me = made.value.privates.find((p) => p.id === 1000);
  assert.ok(me);
  client = new BulwarkClient({
    self: 1000,
    transport: createTcpTransport({
      self: 1000,
      dhPrivateKey: me.dhPrivateKey,
      dhPublicKey: (spec.clients[0] as { dhPublicKey: Uint8Array }).dhPublicKey,
      clusterName: spec.name,
      encryption: false,
      peers: spec.members.map((m) => ({ id: m.id, dhPublicKey: m.dhPublicKey, host: m.host, port: m.port })),
    }),
    codec: codec(wireSchema(sequencer.schema)) as ReturnType<typeof codec<Wire<unknown>>>,
    crypto: createClusterCryptoSuite(spec, me, 'deployment'),
    log: silentLogger,
    core: {
      replicas: [0, 1, 2],
      replyQuorum: 1,
      retryMs: 500,
      retryMsMax: 2000,
      retriesMax: 10,
      windowMax: 64,
    },
  });
  await client.start();
});

after(async () => {
  await client?.close();
  await stopCluster(children);
  await rm(dir, { recursive: true, force: true });
});

describe('sequencer over TCP with separate processes', () => {
  it('executes 2,000 pipelined requests exactly once each', async () => {
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => client.invoke(Uint8Array.of(i & 0xff, i >> 8))),
    );
    const ranks = results
      .map((r) => new DataView(r.buffer, r.byteOffset, r.byteLength).getFloat64(0))
      .sort((a, b) => a - b);
    assert.deepEqual(
      ranks,
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
  });

  it('stops every replica process cleanly on SIGTERM', async () => {
    await stopCluster(children);
    for (const c of children) assert.equal(c.process.exitCode, 0, `replica ${c.id} should exit 0 on SIGTERM`);
  });
});
