/**
 * A raw peer process for the attack tests: it completes a legitimate IK handshake with a member's
 * real key using the transport's own exported functions, sends two valid records, then one attack
 * (an oversized length prefix, a record with a flipped tag byte, or a replay of its own earlier
 * record) and reports whether the target cut the connection.
 */
import { RawPeer } from './raw-peer.js';

export type Attack = 'oversized' | 'bad-mac' | 'replay';

export interface AttackOrder {
  attack: Attack;
  port: number;
  self: number;
  privateKeyHex: string;
  targetPublicKeyHex: string;
  clusterName: string;
  encryption: boolean;
}

async function attack(order: AttackOrder): Promise<{ closedByTarget: boolean }> {
  const peer = await RawPeer.connect(order.port);
  await peer.handshake({
    self: order.self,
    privateKey: Buffer.from(order.privateKeyHex, 'hex'),
    targetPublicKey: Buffer.from(order.targetPublicKeyHex, 'hex'),
    clusterName: order.clusterName,
    encryption: order.encryption,
  });
  // Seq 0 confirms the handshake and seq 1 is an ordinary record; both carry a frame to deliver.
  peer.send([Buffer.from(`before-${order.attack}`)]);
  const second = peer.send([Buffer.from(`valid-${order.attack}`)]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  switch (order.attack) {
    case 'oversized': {
      // A length far above the bound, then bytes the target must not wait for.
      const header = Buffer.alloc(4 + 1024);
      header.writeUInt32BE(0x7fff_fff0, 0);
      peer.write(header);
      break;
    }
    case 'bad-mac': {
      const forged = peer.record([Buffer.from('forged')]);
      forged[forged.byteLength - 1]! ^= 0x01;
      peer.write(forged);
      break;
    }
    case 'replay':
      peer.write(second);
      break;
  }
  const closedByTarget = await peer.closedWithin(5_000);
  peer.destroy();
  return { closedByTarget };
}

process.on('message', (order: AttackOrder | { cmd: 'close' }) => {
  if ('cmd' in order) return process.disconnect();
  void attack(order).then(
    (r) => process.send?.({ ev: 'attacked', attack: order.attack, ...r }),
    (e: Error) => process.send?.({ ev: 'attacked', attack: order.attack, error: e.message }),
  );
});
process.on('disconnect', () => process.exit(0));
