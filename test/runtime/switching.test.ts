// Proves that a live cluster switches protocols under load with nothing seen by its clients: four
// replica processes over TCP serving the key-value store start on the central sequencer and are
// switched by `bulwark reconfigure`'s library (admin-signed, ordered) to paxos and then to PBFT
// (sequencer → PBFT → sequencer while paxos is not in the registry), while redis-benchmark and
// real redis-cli sessions run through the Redis gateway. Checked: every switch is accepted,
// redis-benchmark reports no error, every redis-cli command gets a well-formed reply, no
// acknowledged increment is lost, the history is linearizable, and every replica ends in the
// last epoch.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KvOp, KvResult } from '../../src/api/kv/ops.js';
import { RedisGateway } from '../../src/api/redis/gateway.js';
import { loadClusterFile } from '../../src/config/cluster-file.js';
import { ADMIN_KEY_FILE } from '../../src/config/cluster-gen.js';
import { loadKeyFile } from '../../src/config/key-file.js';
import { SeededRng } from '../../src/core/rng.js';
import { DemoCluster } from '../../src/demo/cluster.js';
import { reconfigure } from '../../src/runtime/reconfigure.js';
import { checkKvHistory, type HistoryEntry } from '../../src/sim/checkers/linearizability.js';
import { haveRedisCli, RedisCliSession } from './redis-cli-session.js';

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The lead merges paxos; until then the middle step is PBFT and the last one the sequencer again.
const PLAN = ['paxos', 'pbft'];
let cluster: DemoCluster;
let gateway: RedisGateway;

before(async () => {
  assert.ok(haveRedisCli(), 'redis-cli is missing: install Debian redis-tools (.ci/run does)');
  cluster = await DemoCluster.start({ n: 4, clients: 4, protocol: 'sequencer' });
  gateway = await RedisGateway.start({ port: 0, backends: cluster.clients.kv });
});

after(async () => {
  await gateway?.close();
  await cluster?.close();
});

type Entry = HistoryEntry<KvOp, KvResult>;

/** One redis-cli session issuing SET, GET and INCR on a few keys until told to stop. */
async function drive(c: number, history: Entry[], unexpected: string[], stop: { now: boolean }) {
  const session = new RedisCliSession(gateway.address.port);
  const rng = new SeededRng(300 + c);
  for (let i = 0; !stop.now; i++) {
    const k = rng.int(4);
    const r = rng.int(3);
    const key = encoder.encode(r === 2 ? `ctr:${k}` : `key:${k}`);
    const v = `c${c}-${i}`;
    const [line, op, parse]: [string, KvOp, (s: string) => KvResult | undefined] =
      r === 0
        ? [
            `SET key:${k} ${v}`,
            { kind: 'set', key, value: encoder.encode(v), condition: 'always', returnOld: false },
            (s) => (s === 'OK' ? { kind: 'ok' } : undefined),
          ]
        : r === 1
          ? [
              `GET key:${k}`,
              { kind: 'get', key },
              (s) => (s === '' ? { kind: 'nil' } : { kind: 'bulk', value: encoder.encode(s) }),
            ]
          : [
              `INCR ctr:${k}`,
              { kind: 'incr', key, delta: 1n },
              (s) => (/^\d+$/.test(s) ? { kind: 'int', value: BigInt(s) } : undefined),
            ];
    const call = performance.now();
    const reply = await session.command(line);
    const result = parse(reply);
    if (result === undefined) unexpected.push(`${line} → ${reply}`);
    history.push({ client: c, op, call, ret: performance.now(), result });
  }
  session.close();
}

/** redis-benchmark, again and again until told to stop; returns everything it printed. */
async function benchmark(stop: { now: boolean }): Promise<string> {
  let out = '';
  while (!stop.now) {
    const p = spawn('redis-benchmark', [
      '-p',
      String(gateway.address.port),
      '-t',
      'set,get',
      '-n',
      '4000',
      '-c',
      '8',
      '-q',
    ]);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => p.on('exit', r));
    out += `\n[exit ${code}]\n`;
  }
  return out;
}

describe('switching a live cluster under redis-benchmark', () => {
  it(`sequencer → ${PLAN.join(' → ')} with no error seen by clients and a linearizable history`, async () => {
    const spec = await loadClusterFile(join(cluster.dir, 'cluster.yaml'));
    const adminKey = await loadKeyFile(join(cluster.dir, ADMIN_KEY_FILE));
    assert.ok(spec.ok && adminKey.ok);
    const history: Entry[] = [];
    const unexpected: string[] = [];
    const stop = { now: false };
    const bench = benchmark(stop);
    const sessions = [0, 1, 2].map((c) => drive(c, history, unexpected, stop));
    const verdicts: string[] = [];
    for (const protocol of PLAN) {
      await sleep(1500);
      verdicts.push((await reconfigure({ spec: spec.value, adminKey: adminKey.value, protocol })).verdict);
    }
    await sleep(1500);
    stop.now = true;
    const [benchOut] = await Promise.all([bench, ...sessions]);

    PLAN.forEach((p, i) =>
      assert.match(verdicts[i] ?? '', new RegExp(`^epoch ${i + 1}: ${p} on \\[0,1,2,3\\]`)),
    );
    assert.doesNotMatch(benchOut, /error|ERR/i, benchOut);
    assert.match(benchOut, /SET: [\d.]+ requests per second/);
    assert.deepEqual(unexpected, [], 'every command got a well-formed reply');
    assert.ok(history.length > 100, `only ${history.length} redis-cli operations completed`);
    const session = new RedisCliSession(gateway.address.port);
    for (let k = 0; k < 4; k++) {
      const acked = history.filter(
        (h) => h.op.kind === 'incr' && new TextDecoder().decode(h.op.key) === `ctr:${k}`,
      ).length;
      assert.equal(Number((await session.command(`GET ctr:${k}`)) || '0'), acked, `ctr:${k}`);
    }
    session.close();
    const verdict = checkKvHistory(history);
    assert.equal(verdict.outcome, 'ok', verdict.outcome === 'violation' ? verdict.description : 'undecided');
    const epochs = (await cluster.allStats()).map((s) => s?.counters.epoch);
    assert.deepEqual(epochs, [PLAN.length, PLAN.length, PLAN.length, PLAN.length]);
  });
});
