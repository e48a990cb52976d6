// Proves that a peer killed with SIGKILL and restarted on the same address is reconnected: this
// process dials an echoing child, the child is killed mid-conversation (the link goes down, frames
// sent meanwhile wait in the bounded queue), a new child process starts on the same port, and the
// dialer's backoff brings the link up again, counts the reconnect, and frames flow both ways. A
// peer never reached is tried every 200 ms at most, whatever the backoff's maximum: members of a
// group started one by one meet the last one within that of its start.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { createTcpTransport } from '../../src/net/tcp/index.js';
import { Child, harnessConfig, peerFixture, rawKeys, until, type RawKeys } from './helpers.js';

/** Node 0, which dials node 1 at `port` on loopback with the given reconnection backoff. */
function dialer(k0: RawKeys, peerKey: RawKeys['publicKey'], port: number, minMs: number, maxMs: number) {
  return createTcpTransport({
    self: 0,
    dhPrivateKey: k0.privateKey,
    dhPublicKey: k0.publicKey,
    clusterName: 'test-cluster',
    encryption: true,
    peers: [{ id: 1, dhPublicKey: peerKey, host: '127.0.0.1', port }],
    reconnectDelayMsMin: minMs,
    reconnectDelayMsMax: maxMs,
  });
}

test('a peer killed with SIGKILL and restarted is reconnected', { timeout: 60_000 }, async (ctx) => {
  const k0 = rawKeys();
  const k1 = rawKeys();
  const startChild = async (port: number) => {
    const child = new Child(peerFixture);
    ctx.after(() => child.close());
    const config = harnessConfig(1, k1, [{ id: 0, keys: k0 }], {
      encryption: true,
      listen: { host: '127.0.0.1', port },
    });
    child.send({ cmd: 'start', echo: true, config });
    const started = await child.take<{ ev: string; port: number }>((e) => e.ev === 'started', 'child start');
    return { child, port: started.port };
  };
  const first = await startChild(0);

  const t = dialer(k0, k1.publicKey, first.port, 20, 500);
  ctx.after(() => t.close());
  const echoes: string[] = [];
  const changes: string[] = [];
  t.onFrame((_from, frame) => echoes.push(Buffer.from(frame).toString()));
  t.onPeerChange((peer, up) => changes.push(`${peer}:${up ? 'up' : 'down'}`));
  await t.start();
  await until(() => t.isConnected(1), 'first connection');
  assert.equal(t.send(1, Buffer.from('ping-1')), 'queued');
  await until(() => echoes.includes('ping-1'), 'first echo');

  await first.child.kill('SIGKILL');
  await until(() => !t.isConnected(1), 'the link noticed down');
  // Sent while the peer is gone: queued, to leave once a connection is up again.
  assert.equal(t.send(1, Buffer.from('while-down')), 'queued');
  assert.ok(t.queuedBytes(1) > 0);
  // Let a few dials fail against the closed port, so the backoff is exercised.
  await new Promise((resolve) => setTimeout(resolve, 300));

  const second = await startChild(first.port);
  await until(() => t.isConnected(1), 'reconnection', 30_000);
  assert.equal(t.send(1, Buffer.from('ping-2')), 'queued');
  await until(() => echoes.includes('ping-2') && echoes.includes('while-down'), 'echoes after the restart');

  assert.deepEqual(changes, ['1:up', '1:down', '1:up']);
  assert.deepEqual(echoes, ['ping-1', 'while-down', 'ping-2']);
  const c = t.counters();
  assert.equal(c.reconnects, 1);
  assert.equal(c.handshakesRefused + c.rejectedBadMac + c.rejectedReplay + c.rejectedOversized, 0);
  assert.equal(t.queuedBytes(1), 0);
  await second.child.close();
  await t.close();
});

test('a peer never reached is tried at most 200 ms apart, whatever the maximum', async (ctx) => {
  // It accepts and hangs up at once: every attempt fails, as against a peer not started yet.
  const attempts: number[] = [];
  const server = createServer((socket: Socket) => {
    attempts.push(performance.now());
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ctx.after(() => server.close());
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const t = dialer(rawKeys(), rawKeys().publicKey, address.port, 50, 5_000);
  ctx.after(() => t.close());
  await t.start();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await t.close();
  // From the second second on the backoff would wait 800 ms and more; capped, it waits 100-200.
  const late = attempts.filter((at) => at - (attempts[0] as number) > 1_000);
  const gaps = late.slice(1).map((at, i) => at - (late[i] as number));
  assert.ok(late.length >= 5, `attempts after the first second: ${late.length}`);
  assert.ok(Math.max(...gaps) < 700, `gaps between attempts: ${gaps.map(Math.round).join(', ')}`);
});
