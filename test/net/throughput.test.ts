// Proves that 1,000,000 small authenticated frames cross from one process to another over
// 127.0.0.1 complete and in order: a child numbers each 16-byte frame, this process checks every
// number as it arrives, and the rate is printed.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import { createTcpTransport } from '../../src/net/tcp/index.js';
import { Child, harnessConfig, peerFixture, rawKeys, until } from './helpers.js';

const MESSAGES = 1_000_000;
const SIZE = 16;

async function run(ctx: TestContext, encryption: boolean): Promise<void> {
  const k0 = rawKeys();
  const k1 = rawKeys();
  const child = new Child(peerFixture);
  ctx.after(() => child.close());
  child.send({
    cmd: 'start',
    echo: false,
    config: harnessConfig(1, k1, [{ id: 0, keys: k0 }], {
      encryption,
      listen: { host: '127.0.0.1', port: 0 },
    }),
  });
  const { port } = await child.take<{ ev: string; port: number }>((e) => e.ev === 'started', 'child start');
  const t = createTcpTransport({
    self: 0,
    dhPrivateKey: k0.privateKey,
    dhPublicKey: k0.publicKey,
    clusterName: 'test-cluster',
    encryption,
    peers: [{ id: 1, dhPublicKey: k1.publicKey, host: '127.0.0.1', port }],
  });
  ctx.after(() => t.close());
  let next = 0;
  let outOfOrder = 0;
  let wrongSize = 0;
  t.onFrame((from, frame) => {
    if (from !== 1 || frame.byteLength !== SIZE) wrongSize += 1;
    const n = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).readUInt32BE(0);
    if (n !== next) outOfOrder += 1;
    next = n + 1;
  });
  await t.start();
  await until(() => t.isConnected(1), 'connection');
  await child.take((e: { ev: string }) => e.ev === 'peer', 'child sees peer up');

  const started = performance.now();
  child.send({ cmd: 'blast', to: 0, count: MESSAGES, size: SIZE });
  await until(() => next >= MESSAGES, `${MESSAGES} frames (got ${next})`, 50_000);
  const seconds = (performance.now() - started) / 1000;
  const blasted = await child.take<{ ev: string; retries: number }>((e) => e.ev === 'blasted', 'blast done');

  console.log(
    `[transport] ${MESSAGES} x ${SIZE} B, encryption ${encryption ? 'on' : 'off'}: ` +
      `${Math.round(MESSAGES / seconds)} msgs/s (${seconds.toFixed(2)} s)`,
  );
  assert.equal(next, MESSAGES);
  assert.equal(outOfOrder, 0);
  assert.equal(wrongSize, 0);
  assert.equal(blasted.retries, 0, 'back-pressure, not the drop policy, paced the sender');
  const c = t.counters();
  assert.equal(c.framesReceived, MESSAGES);
  assert.equal(c.rejectedBadMac + c.rejectedReplay + c.rejectedOversized + c.handshakesRefused, 0);
  await t.close();
  await child.close();
}

test(
  '1,000,000 authenticated 16-byte frames arrive complete and in order (authentication only)',
  { timeout: 60_000 },
  (ctx) => run(ctx, false),
);

test('1,000,000 encrypted 16-byte frames arrive complete and in order', { timeout: 60_000 }, (ctx) =>
  run(ctx, true),
);
