// Proves the transport's policies in one process over 127.0.0.1: the send verdicts and the
// drop-newest queue bound, the dial-direction rule, the flush on close, and the handshake rules
// that a raw peer probes: a replayed message 1 is refused without disturbing the live connection,
// a fresher connection replaces the old one, an unconfirmed handshake times out, a mode mismatch
// is refused, and unauthenticated connections are capped.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { MemoryLogger } from '../../src/core/log.js';
import { createTcpTransport, dials, type TcpTransportOptions } from '../../src/net/tcp/index.js';
import { rawKeys, until, type RawKeys } from './helpers.js';
import { RawPeer } from './raw-peer.js';

const k0 = rawKeys();
const k1 = rawKeys();

function node(ctx: TestContext, self: 0 | 1, extra: Partial<TcpTransportOptions> = {}) {
  const [mine, other]: RawKeys[] = self === 0 ? [k0, k1] : [k1, k0];
  const t = createTcpTransport({
    self,
    dhPrivateKey: mine!.privateKey,
    dhPublicKey: mine!.publicKey,
    clusterName: 'policy',
    encryption: false,
    peers: [{ id: 1 - self, dhPublicKey: other!.publicKey }],
    ...extra,
  });
  ctx.after(() => t.close());
  return t;
}

const listening = { listen: { host: '127.0.0.1', port: 0 } } as const;

test('send verdicts, the drop-newest bound and its one log line', async (ctx) => {
  const logger = new MemoryLogger();
  // Peer 1 has an address where nobody listens: frames wait in its queue.
  const t = node(ctx, 0, {
    peers: [{ id: 1, dhPublicKey: k1.publicKey, host: '127.0.0.1', port: 1 }],
    peerQueueFramesMax: 3,
    peerQueueBytesMax: 1024,
    frameBytesMax: 64,
    logger,
  });
  await t.start();
  assert.equal(t.send(7, Buffer.alloc(1)), 'unknown-peer');
  assert.equal(t.send(0, Buffer.alloc(1)), 'unknown-peer', 'self is not a peer');
  assert.equal(t.send(1, Buffer.alloc(61)), 'too-large', 'the bound counts the length prefix');
  for (let i = 0; i < 3; i++) assert.equal(t.send(1, Buffer.alloc(60)), 'queued');
  assert.equal(t.send(1, Buffer.alloc(1)), 'dropped-full');
  assert.equal(t.send(1, Buffer.alloc(1)), 'dropped-full');
  assert.equal(t.counters().droppedQueueFull, 2);
  assert.equal(logger.count('queue-full'), 1);
  assert.equal(t.queuedBytes(1), 180);
  await t.close();
  assert.equal(t.send(1, Buffer.alloc(1)), 'closed');
});

test('frames for a peer without an address queue until it connects', async (ctx) => {
  const b = node(ctx, 1, listening);
  const got: string[] = [];
  b.onFrame((_f, frame) => got.push(Buffer.from(frame).toString()));
  await b.start();
  assert.equal(b.send(0, Buffer.from('waiting')), 'queued');
  assert.equal(b.isConnected(0), false);
  const a = node(ctx, 0, {
    peers: [{ id: 1, dhPublicKey: k1.publicKey, host: '127.0.0.1', port: b.address()!.port }],
  });
  const echoed: string[] = [];
  a.onFrame((_f, frame) => echoed.push(Buffer.from(frame).toString()));
  await a.start();
  await until(() => echoed.includes('waiting'), 'the queued frame');
  assert.equal(b.queuedBytes(0), 0);
});

test('who dials whom', () => {
  const addr = { dhPublicKey: k0.publicKey, host: 'h', port: 1 };
  assert.equal(dials(0, true, { id: 1, ...addr }), true, 'the lower replica dials');
  assert.equal(dials(1, true, { id: 0, ...addr }), false, 'the higher replica waits');
  assert.equal(dials(1, false, { id: 0, ...addr }), true, 'a node that does not listen dials');
  assert.equal(dials(1000, false, { id: 3, ...addr }), true, 'a client dials replicas');
  assert.equal(dials(3, true, { id: 1000, ...addr }), false, 'nobody dials a client');
  assert.equal(dials(0, true, { id: 1, dhPublicKey: k0.publicKey }), false, 'no address, no dial');
});

test('close() flushes what is queued before ending the connection', async (ctx) => {
  const b = node(ctx, 1, listening);
  let received = 0;
  b.onFrame(() => (received += 1));
  await b.start();
  const a = node(ctx, 0, {
    peers: [{ id: 1, dhPublicKey: k1.publicKey, host: '127.0.0.1', port: b.address()!.port }],
  });
  await a.start();
  await until(() => a.isConnected(1), 'connection');
  for (let i = 0; i < 50_000; i++) a.send(1, Buffer.alloc(16));
  await a.close();
  await until(() => received === 50_000, `all frames (got ${received})`);
  assert.equal(a.counters().framesSent, 50_000);
});

test('a replayed message 1 is refused; a fresher connection replaces the old; an unconfirmed one times out', async (ctx) => {
  const logger = new MemoryLogger();
  const b = node(ctx, 1, { ...listening, logger, handshakeTimeoutMs: 1_000 });
  const got: string[] = [];
  const changes: boolean[] = [];
  b.onFrame((_f, frame) => got.push(Buffer.from(frame).toString()));
  b.onPeerChange((_p, up) => changes.push(up));
  await b.start();
  const port = b.address()!.port;
  const id = {
    self: 0,
    privateKey: k0.privateKey,
    targetPublicKey: k1.publicKey,
    clusterName: 'policy',
    encryption: false,
  };

  const hello = RawPeer.hello(id);
  const first = await RawPeer.connect(port);
  ctx.after(() => first.destroy());
  await first.handshake(id, hello);
  first.send([Buffer.from('first')]);
  await until(() => got.includes('first'), 'first frame');

  // The exact bytes of message 1 again, as an eavesdropper would replay them.
  const replay = await RawPeer.connect(port);
  replay.write(hello.framed);
  assert.equal(await replay.closedWithin(5_000), true);
  const refused = logger.records.filter((r) => r.event === 'handshake-refused');
  assert.deepEqual(
    refused.map((r) => r.fields?.['reason']),
    ['stale-timestamp'],
  );
  assert.equal(b.counters().handshakesRefused, 1);
  first.send([Buffer.from('first-still-live')]);
  await until(() => got.includes('first-still-live'), 'the live connection undisturbed');

  // A handshake that never confirms (no record under the new keys) changes nothing, then times out.
  const silent = await RawPeer.connect(port);
  await silent.handshake(id);
  assert.equal(await silent.closedWithin(5_000), true);
  first.send([Buffer.from('first-after-silent')]);
  await until(() => got.includes('first-after-silent'), 'still the first connection');

  const second = await RawPeer.connect(port);
  ctx.after(() => second.destroy());
  await second.handshake(id);
  second.send([Buffer.from('second')]);
  await until(() => got.includes('second'), 'second frame');
  assert.equal(await first.closedWithin(5_000), true, 'the old connection was closed');
  assert.equal(logger.count('connection-replaced'), 1);
  assert.deepEqual(changes, [true], 'the peer never looked down');
  assert.equal(b.counters().reconnects, 1);
});

test('a node configured for the other record mode is refused at the handshake', async (ctx) => {
  const logger = new MemoryLogger();
  const b = node(ctx, 1, { ...listening, logger });
  await b.start();
  const a = node(ctx, 0, {
    encryption: true,
    peers: [{ id: 1, dhPublicKey: k1.publicKey, host: '127.0.0.1', port: b.address()!.port }],
  });
  await a.start();
  await until(() => b.counters().handshakesRefused >= 1, 'refusal');
  assert.equal(logger.records.find((r) => r.event === 'handshake-refused')?.fields?.['reason'], 'bad-mac');
  assert.equal(b.isConnected(0), false);
});

test('unauthenticated connections are capped', async (ctx) => {
  const logger = new MemoryLogger();
  const b = node(ctx, 1, { ...listening, logger, handshakesPendingMax: 2 });
  await b.start();
  const idle = await Promise.all([0, 1, 2].map(() => RawPeer.connect(b.address()!.port)));
  ctx.after(() => idle.forEach((p) => p.destroy()));
  assert.equal(await idle[2]!.closedWithin(5_000), true);
  assert.equal(await idle[0]!.closedWithin(100), false);
  assert.equal(
    logger.records.find((r) => r.event === 'handshake-refused')?.fields?.['reason'],
    'too-many-pending',
  );
});

test('keepalives hold an idle link up; a peer that falls silent is cut', async (ctx) => {
  const logger = new MemoryLogger();
  const timing = { keepaliveMs: 100, idleTimeoutMs: 1_000 };
  const b = node(ctx, 1, { ...listening, ...timing, logger });
  await b.start();
  const a = node(ctx, 0, {
    ...timing,
    peers: [{ id: 1, dhPublicKey: k1.publicKey, host: '127.0.0.1', port: b.address()!.port }],
  });
  await a.start();
  await until(() => a.isConnected(1) && b.isConnected(0), 'connection');
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  assert.ok(a.isConnected(1) && b.isConnected(0), 'an idle but live link stays up');
  assert.equal(a.counters().reconnects + b.counters().reconnects, 0);
  await a.close();

  // A raw peer that confirms and then says nothing more (and ignores keepalives) is cut.
  const silent = await RawPeer.connect(b.address()!.port);
  ctx.after(() => silent.destroy());
  await silent.handshake({
    self: 0,
    privateKey: k0.privateKey,
    targetPublicKey: k1.publicKey,
    clusterName: 'policy',
    encryption: false,
  });
  let keepaliveBytes = 0;
  silent.socket.on('data', (chunk: Buffer) => (keepaliveBytes += chunk.byteLength));
  silent.send([]);
  await until(() => b.isConnected(0), 'the silent peer up');
  assert.equal(await silent.closedWithin(5_000), true);
  assert.ok(keepaliveBytes >= 2 * 28, `keepalive records were sent (${keepaliveBytes} bytes)`);
  assert.equal(logger.count('peer-silent'), 1);
});
