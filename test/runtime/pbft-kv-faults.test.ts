// Proves the product works as a user meets it: a 4-process PBFT cluster serving the key-value
// store, driven through the Redis gateway by real redis-cli processes, loses no acknowledged
// write and stays linearizable while a backup and then the primary are killed with SIGKILL and
// restarted; each restarted replica catches up by state transfer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KvOp, KvResult } from '../../src/api/kv/ops.js';
import { RedisGateway } from '../../src/api/redis/gateway.js';
import { SeededRng } from '../../src/core/rng.js';
import { DemoCluster } from '../../src/demo/cluster.js';
import { checkKvHistory, type HistoryEntry } from '../../src/sim/checkers/linearizability.js';
import { haveRedisCli, RedisCliSession } from './redis-cli-session.js';

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cluster: DemoCluster;
let gateway: RedisGateway;

before(async () => {
  assert.ok(haveRedisCli(), 'redis-cli is missing: install Debian redis-tools (.ci/run does)');
  cluster = await DemoCluster.start({ n: 4, clients: 4 });
  gateway = await RedisGateway.start({ port: 0, backends: cluster.clients.kv });
});

after(async () => {
  await gateway?.close();
  await cluster?.close();
});

/** One redis-cli command as a KV op, and its reply line as a KV result (undefined: unexpected). */
function command(
  rng: SeededRng,
  c: number,
  i: number,
): { line: string; op: KvOp; parse(reply: string): KvResult | undefined } {
  const k = rng.int(6);
  const key = encoder.encode(`key:${k}`);
  const r = rng.int(10);
  if (r < 4) {
    const v = `c${c}-${i}`;
    return {
      line: `SET key:${k} ${v}`,
      op: { kind: 'set', key, value: encoder.encode(v), condition: 'always', returnOld: false },
      parse: (reply) => (reply === 'OK' ? { kind: 'ok' } : undefined),
    };
  }
  if (r < 7) {
    return {
      line: `GET key:${k}`,
      op: { kind: 'get', key },
      parse: (reply) => (reply === '' ? { kind: 'nil' } : { kind: 'bulk', value: encoder.encode(reply) }),
    };
  }
  return {
    line: `INCR ctr:${k}`,
    op: { kind: 'incr', key: encoder.encode(`ctr:${k}`), delta: 1n },
    parse: (reply) => (/^\d+$/.test(reply) ? { kind: 'int', value: BigInt(reply) } : undefined),
  };
}

async function drive(
  c: number,
  history: HistoryEntry<KvOp, KvResult>[],
  unexpected: string[],
  stop: { now: boolean },
) {
  const session = new RedisCliSession(gateway.address.port);
  const rng = new SeededRng(100 + c);
  for (let i = 0; !stop.now; i++) {
    const cmd = command(rng, c, i);
    const call = performance.now();
    const reply = await session.command(cmd.line);
    const result = cmd.parse(reply);
    if (result === undefined) unexpected.push(`${cmd.line} → ${reply}`);
    history.push({ client: c, op: cmd.op, call, ret: performance.now(), result });
  }
  session.close();
}

describe('PBFT key-value store through the Redis gateway, under SIGKILL', () => {
  it('keeps every acknowledged write and a linearizable history, and restarted replicas catch up', async () => {
    const history: HistoryEntry<KvOp, KvResult>[] = [];
    const unexpected: string[] = [];
    const stop = { now: false };
    const clients = [0, 1, 2, 3].map((c) => drive(c, history, unexpected, stop));
    await sleep(1500);
    const leader0 = (await cluster.stats(0))?.leader ?? 0;
    const backup = (leader0 + 1) % 4;
    await cluster.kill(backup);
    await sleep(2500);
    await cluster.restart(backup);
    await sleep(2000);
    const leader = Math.max(...(await cluster.allStats()).map((s) => s?.leader ?? 0));
    await cluster.kill(leader);
    await sleep(3000);
    await cluster.restart(leader);
    await sleep(5000);
    stop.now = true;
    await Promise.all(clients);

    assert.deepEqual(unexpected, [], 'every command got a well-formed reply');
    assert.ok(history.length > 200, `only ${history.length} operations completed`);
    // The final value of each counter is the number of acknowledged increments: none was lost.
    const session = new RedisCliSession(gateway.address.port);
    for (let k = 0; k < 6; k++) {
      const acked = history.filter(
        (h) =>
          h.op.kind === 'incr' && h.op.key.length > 0 && new TextDecoder().decode(h.op.key) === `ctr:${k}`,
      ).length;
      assert.equal(Number((await session.command(`GET ctr:${k}`)) || '0'), acked, `ctr:${k}`);
    }
    session.close();
    const verdict = checkKvHistory(history);
    assert.equal(verdict.outcome, 'ok', verdict.outcome === 'violation' ? verdict.description : 'undecided');

    const stats = await cluster.allStats();
    const top = Math.max(...stats.map((s) => s?.lastSeq ?? 0));
    for (const id of [backup, leader]) {
      const s = stats[id];
      assert.ok(
        s !== undefined && (s.counters.stateInstalls ?? 0) >= 1,
        `replica ${id} installed state by transfer`,
      );
      assert.ok(s.lastSeq >= top - 256, `replica ${id} caught up (at ${s.lastSeq}, others at ${top})`);
    }
  });
});
