// Proves that the handshake refuses whoever is not who the cluster file says: a process with an
// unknown static key, and a member presenting its own key under another member's id, are each
// refused (counted, logged with the reason, never "up", no frame delivered), while a legitimate
// member dialing the same listener right after is accepted and delivers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLogger } from '../../src/core/log.js';
import { createTcpTransport } from '../../src/net/tcp/index.js';
import { Child, harnessConfig, hex, peerFixture, rawKeys, until } from './helpers.js';

test(
  'a stranger with an unknown key and an impostor are refused; a member is accepted',
  { timeout: 60_000 },
  async (ctx) => {
    const k0 = rawKeys();
    const k1 = rawKeys();
    const k2 = rawKeys();
    const stranger = rawKeys();
    const logger = new MemoryLogger();
    const t = createTcpTransport({
      self: 1,
      dhPrivateKey: k1.privateKey,
      dhPublicKey: k1.publicKey,
      clusterName: 'test-cluster',
      encryption: false,
      peers: [
        { id: 0, dhPublicKey: k0.publicKey },
        { id: 2, dhPublicKey: k2.publicKey },
      ],
      listen: { host: '127.0.0.1', port: 0 },
      logger,
    });
    ctx.after(() => t.close());
    const frames: string[] = [];
    const ups: number[] = [];
    t.onFrame((from, frame) => frames.push(`${from}:${Buffer.from(frame).toString()}`));
    t.onPeerChange((peer, up) => up && ups.push(peer));
    await t.start();
    const port = t.address()!.port;
    const refusals = (reason: string) =>
      logger.records.filter((r) => r.event === 'handshake-refused' && r.fields?.['reason'] === reason).length;

    // The stranger claims id 0 but holds a key nobody listed: refused at the handshake.
    const s = new Child(peerFixture);
    ctx.after(() => s.close());
    s.send({ cmd: 'start', echo: false, config: harnessConfig(0, stranger, [{ id: 1, keys: k1, port }]) });
    s.send({ cmd: 'send', to: 1, frameHex: hex(Buffer.from('from the stranger')) });
    await until(() => refusals('unknown-key') >= 1, 'the stranger refused');

    // Member 2's key under member 0's id: the key authenticates, the claim does not match it.
    const impostor = new Child(peerFixture);
    ctx.after(() => impostor.close());
    impostor.send({ cmd: 'start', echo: false, config: harnessConfig(0, k2, [{ id: 1, keys: k1, port }]) });
    impostor.send({ cmd: 'send', to: 1, frameHex: hex(Buffer.from('from the impostor')) });
    await until(() => refusals('id-mismatch') >= 1, 'the impostor refused');

    // A legitimate member, over the same listener, gets through.
    const member = new Child(peerFixture);
    ctx.after(() => member.close());
    member.send({ cmd: 'start', echo: false, config: harnessConfig(2, k2, [{ id: 1, keys: k1, port }]) });
    member.send({ cmd: 'send', to: 1, frameHex: hex(Buffer.from('from member 2')) });
    await until(() => frames.length >= 1, 'the member frame');

    for (const child of [s, impostor]) {
      child.send({ cmd: 'report' });
      const r = await child.take<{ ev: string; counters: Record<string, number> }>(
        (e) => e.ev === 'report',
        'report',
      );
      assert.equal(r.counters['framesSent'], 0, 'the refused side never got to send a frame');
      await assert.rejects(
        child.take((e: { ev: string }) => e.ev === 'peer', 'peer up', 50),
        /timed out/,
      );
    }
    const c = t.counters();
    assert.ok(c.handshakesRefused >= 2, `refusals counted (${c.handshakesRefused})`);
    assert.equal(c.handshakesRefused, refusals('unknown-key') + refusals('id-mismatch'));
    assert.deepEqual(frames, ['2:from member 2']);
    assert.deepEqual(ups, [2]);
    assert.equal(t.isConnected(0), false);
    assert.equal(c.framesReceived, 1);
    await Promise.all([s.close(), impostor.close(), member.close()]);
    await t.close();
  },
);
