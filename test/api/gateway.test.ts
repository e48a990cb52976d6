// Proves the Redis-protocol gateway speaks RESP2 as Redis does, with no cluster behind it: a
// KvClient over an in-process KvService stands in for the replicas. Over real sockets it checks
// every supported command and Redis's error wording, what redis-cli and redis-benchmark send
// around their work, pipelined replies in order (and a read never overtaking an earlier write of
// its connection), a failed cluster request failing only its command, protocol errors closing
// only their connection, and the bounds: connections, pipeline depth, unread output, key size.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RequestFailed } from '../../src/runtime/client.js';
import type { KvBackend } from '../../src/api/kv/client.js';
import { bytesToKey, opKeys, type KvOp, type KvResult } from '../../src/api/kv/ops.js';
import { RedisGateway, type GatewayOptions } from '../../src/api/redis/gateway.js';
import { SeededRng } from '../../src/core/rng.js';
import { localKvClient } from './kv-helpers.js';
import { RespClient } from './resp-client.js';

const gateways: RedisGateway[] = [];
const clients: RespClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(gateways.map((g) => g.close()));
});

async function start(
  backend?: KvBackend,
  extra: Partial<GatewayOptions> = {},
): Promise<{ gw: RedisGateway; connect: () => Promise<RespClient> }> {
  const gw = await RedisGateway.start({ port: 0, backends: [backend ?? localKvClient().client], ...extra });
  gateways.push(gw);
  const connect = async () => {
    const c = await RespClient.connect(gw.address.port);
    clients.push(c);
    return c;
  };
  return { gw, connect };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gateway: commands', () => {
  it('serves GET, SET, DEL, MGET, EXISTS, INCR/INCRBY/DECR/DECRBY, CAS and SETNX', async () => {
    const c = await (await start()).connect();
    const calls: [string[], unknown][] = [
      [['GET', 'k'], null],
      [['SET', 'k', 'v'], '+OK'],
      [['get', 'k'], 'v'],
      [['SET', 'k', 'w', 'NX'], null],
      [['SET', 'k', 'w', 'XX', 'GET'], 'v'],
      [['SET', 'k', 'w', 'KEEPTTL'], '+OK'],
      [
        ['MGET', 'k', 'nope', 'k'],
        ['w', null, 'w'],
      ],
      [['EXISTS', 'k', 'k', 'nope'], 2],
      [['INCR', 'n'], 1],
      [['INCRBY', 'n', '41'], 42],
      [['DECR', 'n'], 41],
      [['DECRBY', 'n', '50'], -9],
      [['INCR', 'k'], '-ERR value is not an integer or out of range'],
      [['INCRBY', 'n', 'x'], '-ERR value is not an integer or out of range'],
      [['DECRBY', 'n', '-9223372036854775808'], '-ERR decrement would overflow'],
      [['SET', 'big', '9223372036854775807'], '+OK'],
      [['INCR', 'big'], '-ERR increment or decrement would overflow'],
      [['CAS', 'k', 'nope', 'x'], 0],
      [['CAS', 'k', 'w', 'x'], 1],
      [['BULWARK.CAS', 'k', 'x', 'y'], 1],
      [['GET', 'k'], 'y'],
      [['SETNX', 'k', 'z'], 0],
      [['SETNX', 'fresh', 'z'], 1],
      [['DEL', 'k', 'fresh', 'nope'], 2],
      [['EXISTS', 'k'], 0],
    ];
    for (const [args, expected] of calls) assert.deepEqual(await c.call(...args), expected, args.join(' '));
  });

  it("answers errors in Redis's words", async () => {
    const c = await (await start()).connect();
    assert.equal(
      await c.call('FOO', 'a', 'b'),
      "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' ",
    );
    assert.equal(await c.call('flushall'), "-ERR unknown command 'flushall', with args beginning with: ");
    assert.equal(await c.call('GET'), "-ERR wrong number of arguments for 'get' command");
    assert.equal(await c.call('GET', 'a', 'b'), "-ERR wrong number of arguments for 'get' command");
    assert.equal(await c.call('CAS', 'k', 'v'), "-ERR wrong number of arguments for 'cas' command");
    assert.equal(await c.call('SET', 'k', 'v', 'NX', 'XX'), '-ERR syntax error');
    assert.equal(await c.call('SET', 'k', 'v', 'BOGUS'), '-ERR syntax error');
    assert.match(String(await c.call('SET', 'k', 'v', 'EX', '10')), /^-ERR SET EX is not supported/);
    assert.match(String(await c.call('GET', 'k'.repeat(4097))), /^-ERR key is longer than 4096 bytes/);
    assert.equal(await c.call('SELECT', '1'), '-ERR DB index is out of range');
    assert.equal(await c.call('PING'), '+PONG', 'the connection is still usable');
  });

  it('answers what redis-cli and redis-benchmark send around their work', async () => {
    const c = await (await start()).connect();
    // redis-benchmark's first bytes: two pipelined CONFIG GETs.
    c.send(
      '*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$10\r\nappendonly\r\n',
    );
    assert.deepEqual(await c.readMany(2), [
      ['save', ''],
      ['appendonly', 'no'],
    ]);
    assert.deepEqual(await c.call('CONFIG', 'GET', '*'), ['save', '', 'appendonly', 'no', 'databases', '1']);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory'), []);
    assert.match(String(await c.call('CONFIG', 'SET', 'save', '')), /^-ERR CONFIG SET is not supported/);
    assert.deepEqual(await c.call('COMMAND', 'DOCS'), []);
    assert.deepEqual(await c.call('COMMAND'), []);
    assert.equal(await c.call('PING'), '+PONG');
    assert.equal(await c.call('PING', 'hi'), 'hi');
    assert.equal(await c.call('ECHO', 'x y'), 'x y');
    assert.equal(await c.call('SELECT', '0'), '+OK');
    assert.equal(await c.call('CLIENT', 'SETNAME', 'bench'), '+OK');
    assert.equal(await c.call('CLIENT', 'GETNAME'), 'bench');
    assert.match(
      String(await c.call('CLIENT', 'SETNAME', 'a b')),
      /^-ERR Client names cannot contain spaces/,
    );
    assert.match(String(await c.call('INFO')), /redis_version:7\.0\.0/);
    assert.match(String(await c.call('HELLO', '3')), /^-NOPROTO/);
    c.send('PING\r\nset inline "a b"\r\nget inline\r\n');
    assert.deepEqual(await c.readMany(3), ['+PONG', '+OK', 'a b']);
    assert.equal(await c.call('QUIT'), '+OK');
    await c.waitClosed();
  });
});

/** A backend that runs ops on a local service after a delay, counting how many it has in flight. */
function slowBackend(delayMs: (op: KvOp) => number) {
  const inner = localKvClient().client;
  const stats = { inFlight: 0, inFlightMax: 0 };
  const backend: KvBackend = {
    async run(op: KvOp): Promise<KvResult> {
      stats.inFlight++;
      stats.inFlightMax = Math.max(stats.inFlightMax, stats.inFlight);
      try {
        if (opKeys(op).some((k) => bytesToKey(k) === 'boom'))
          throw new RequestFailed('request 7 failed: no 2 matching replies');
        await sleep(delayMs(op));
        return await inner.run(op);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { backend, stats };
}

describe('gateway: pipelining', () => {
  it('answers pipelined commands in order, each INCR seeing the one before', async () => {
    const c = await (await start()).connect();
    let batch = '';
    for (let i = 0; i < 500; i++) batch += i % 5 === 4 ? 'PING\r\n' : '*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n';
    c.send(batch);
    const replies = await c.readMany(500);
    let n = 0;
    replies.forEach((r, i) => assert.equal(r, i % 5 === 4 ? '+PONG' : ++n, `reply ${i}`));
  });

  it('never lets a read overtake an earlier write of its connection, but overlaps disjoint keys', async () => {
    const { backend, stats } = slowBackend((op) => (op.kind === 'set' ? 30 : 0));
    const c = await (await start(backend)).connect();
    c.command('SET', 'k', 'new');
    c.command('GET', 'k');
    c.command('SET', 'a', '1');
    c.command('SET', 'b', '1');
    c.command('SET', 'c', '1');
    assert.deepEqual(await c.readMany(5), ['+OK', 'new', '+OK', '+OK', '+OK']);
    assert.ok(stats.inFlightMax >= 3, `disjoint writes should overlap (saw ${stats.inFlightMax})`);
  });

  it('fails only the command whose cluster request failed', async () => {
    const { backend } = slowBackend(() => 0);
    const c = await (await start(backend)).connect();
    c.command('SET', 'a', '1');
    c.command('GET', 'boom');
    c.command('GET', 'a');
    assert.deepEqual(await c.readMany(3), [
      '+OK',
      '-ERR cluster request failed: request 7 failed: no 2 matching replies',
      '1',
    ]);
  });

  it('keeps at most pipelineMax commands in flight, and still answers all of them in order', async () => {
    const { backend, stats } = slowBackend(() => 5);
    const c = await (await start(backend, { pipelineMax: 4 })).connect();
    for (let i = 0; i < 60; i++) c.command('SET', `key${i}`, String(i));
    for (let i = 0; i < 60; i++) c.command('GET', `key${i}`);
    const replies = await c.readMany(120);
    assert.deepEqual(
      replies.slice(60),
      Array.from({ length: 60 }, (_, i) => String(i)),
    );
    assert.ok(stats.inFlightMax <= 4, `in flight at most 4, saw ${stats.inFlightMax}`);
  });
});

describe('gateway: hostile input and bounds', () => {
  it('answers a protocol error and closes that connection only', async () => {
    const { connect } = await start();
    const good = await connect();
    const bad = await connect();
    bad.send('*1\r\n$x\r\nPING\r\n');
    assert.equal(await bad.read(), '-ERR Protocol error: invalid bulk length');
    await bad.waitClosed();
    assert.equal(await good.call('PING'), '+PONG');
  });

  it('survives random garbage on many connections', async () => {
    const { gw, connect } = await start();
    const rng = new SeededRng(9);
    for (let i = 0; i < 20; i++) {
      const c = await connect();
      const junk = Buffer.alloc(1 + rng.int(200_000));
      for (let j = 0; j < junk.length; j++) junk[j] = rng.int(256);
      c.send(junk);
    }
    await sleep(200);
    const c = await connect();
    assert.equal(await c.call('SET', 'still', 'up'), '+OK');
    assert.ok(gw.counters.protocolErrors > 0);
  });

  it('refuses connections beyond connectionsMax with a Redis-style error', async () => {
    const { gw, connect } = await start(undefined, { connectionsMax: 2 });
    const a = await connect();
    await connect();
    const third = await connect();
    assert.equal(await third.read(), '-ERR max number of clients reached');
    await third.waitClosed();
    assert.equal(await a.call('PING'), '+PONG');
    assert.equal(gw.counters.connectionsRefused, 1);
  });

  it('stops reading from a client that does not read its replies', async () => {
    const { gw, connect } = await start(undefined, { pipelineMax: 32, outputBytesMax: 256 * 1024 });
    const setup = await connect();
    assert.equal(await setup.call('SET', 'v', 'x'.repeat(100_000)), '+OK');
    const before = gw.counters.commands;
    const lazy = await connect();
    lazy.socket.pause();
    for (let i = 0; i < 2000; i++) lazy.command('GET', 'v');
    await sleep(500);
    const served = gw.counters.commands - before;
    assert.ok(
      served < 2000 || lazy.closed,
      `the gateway kept reading (${served} commands, ${gw.counters.commands})`,
    );
    assert.equal(await setup.call('PING'), '+PONG');
  });
});
