// Proves that a member that completes a legitimate handshake and then misbehaves on the wire is
// cut off, with encryption off and on: a raw attacker process holding node 0's real key sends
// valid records, then an oversized length prefix, a record with a flipped tag byte, or a replay
// of its own earlier record, and each is rejected, counted under its own counter and logged, with
// nothing after the attack delivered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLogger } from '../../src/core/log.js';
import type { TransportCounters } from '../../src/net/transport.js';
import { createTcpTransport } from '../../src/net/tcp/index.js';
import type { Attack, AttackOrder } from './fixture-attacker.js';
import { attackerFixture, Child, hex, rawKeys, until } from './helpers.js';

const expectations: [Attack, keyof TransportCounters, string][] = [
  ['oversized', 'rejectedOversized', 'oversized'],
  ['bad-mac', 'rejectedBadMac', 'bad-mac'],
  ['replay', 'rejectedReplay', 'replay'],
];

for (const encryption of [false, true]) {
  test(
    `oversized, forged and replayed records are rejected, counted and logged (encryption ${encryption ? 'on' : 'off'})`,
    { timeout: 60_000 },
    async (ctx) => {
      const k0 = rawKeys();
      const k1 = rawKeys();
      const logger = new MemoryLogger();
      const t = createTcpTransport({
        self: 1,
        dhPrivateKey: k1.privateKey,
        dhPublicKey: k1.publicKey,
        clusterName: 'attack-cluster',
        encryption,
        peers: [{ id: 0, dhPublicKey: k0.publicKey }],
        listen: { host: '127.0.0.1', port: 0 },
        logger,
      });
      ctx.after(() => t.close());
      const frames: string[] = [];
      const changes: boolean[] = [];
      t.onFrame((from, frame) => frames.push(`${from}:${Buffer.from(frame).toString()}`));
      t.onPeerChange((_peer, up) => changes.push(up));
      await t.start();
      const attacker = new Child(attackerFixture);
      ctx.after(() => attacker.close());

      for (const [attack, counter, reason] of expectations) {
        const before = t.counters();
        const order: AttackOrder = {
          attack,
          port: t.address()!.port,
          self: 0,
          privateKeyHex: hex(k0.privateKey),
          targetPublicKeyHex: hex(k1.publicKey),
          clusterName: 'attack-cluster',
          encryption,
        };
        attacker.send(order as unknown as Record<string, unknown>);
        const r = await attacker.take<{
          ev: string;
          attack: string;
          closedByTarget?: boolean;
          error?: string;
        }>((e) => e.ev === 'attacked' && e.attack === attack, `attack ${attack}`);
        assert.equal(r.error, undefined);
        assert.equal(r.closedByTarget, true, `${attack}: the target cut the connection`);
        await until(() => !t.isConnected(0), 'the attacker connection gone');
        const after = t.counters();
        assert.equal(after[counter], before[counter] + 1, `${attack} counted in ${counter}`);
        for (const other of [
          'rejectedOversized',
          'rejectedBadMac',
          'rejectedReplay',
          'handshakesRefused',
        ] as const) {
          if (other !== counter)
            assert.equal(after[other], before[other], `${attack} not counted in ${other}`);
        }
        const logged = logger.records.filter(
          (x) => x.event === 'record-rejected' && x.fields?.['reason'] === reason,
        );
        assert.equal(logged.length, 1, `${attack} logged once`);
        assert.equal(logged[0]!.fields?.['peer'], 0);
      }

      // Each connection delivered exactly its two valid frames and nothing after its attack.
      assert.deepEqual(
        frames,
        expectations.flatMap(([a]) => [`0:before-${a}`, `0:valid-${a}`]),
      );
      assert.deepEqual(changes, [true, false, true, false, true, false]);
      assert.equal(t.counters().reconnects, 2);
      await t.close();
      await attacker.close();
    },
  );
}
