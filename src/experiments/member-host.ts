/**
 * What every experiment member process builds before its protocol: the crypto suite (Ed25519, or
 * RSA for the paper's comparisons, or 'none' for the crypto-off stacks; timed either way), the TCP
 * transport among the group's members, and the NodeHost that runs a pure protocol object on them.
 * Experiments run in the 'bench' crypto context: 'none' is refused anywhere else.
 */
import type { Codec } from '../codec/frame.js';
import type { ClusterSpec, PrivateIdentity } from '../core/cluster.js';
import type { NodeId } from '../core/ids.js';
import { silentLogger } from '../core/log.js';
import { createClusterCryptoSuite } from '../crypto/index.js';
import { RsaCryptoSuite, type RsaKeyPair } from '../crypto/rsa-suite.js';
import { createTcpTransport, type TcpTransport } from '../net/tcp/index.js';
import { NodeHost } from '../runtime/node-host.js';
import { TimedCryptoSuite } from './itua/timed-crypto.js';

/** RSA keys handed to a member by the process that launched the experiment. */
export interface RsaKeys {
  readonly self: RsaKeyPair;
  readonly peers: readonly Pick<RsaKeyPair, 'id' | 'publicDer'>[];
}

export interface MemberSetup {
  readonly spec: ClusterSpec;
  readonly self: PrivateIdentity;
  readonly rsa?: RsaKeys;
}

export interface MemberHost<M, D> {
  readonly host: NodeHost<M, D>;
  readonly transport: TcpTransport;
  readonly crypto: TimedCryptoSuite;
  readonly members: readonly NodeId[];
  /** Resolves once an authenticated connection to every other member is up. */
  connected(): Promise<void>;
}

export function buildMemberHost<M, D>(
  setup: MemberSetup,
  codec: Codec<M>,
  onDeliver: (d: D) => void,
): MemberHost<M, D> {
  const { spec, self } = setup;
  const inner = createClusterCryptoSuite(spec, self, 'bench');
  const rsa = setup.rsa;
  const crypto = new TimedCryptoSuite(
    rsa === undefined ? inner : new RsaCryptoSuite(inner, rsa.self, rsa.peers),
  );
  const me = spec.members.find((m) => m.id === self.id);
  if (me === undefined) throw new Error(`member ${self.id} is not in the experiment's cluster`);
  const transport = createTcpTransport({
    self: self.id,
    dhPrivateKey: self.dhPrivateKey,
    dhPublicKey: me.dhPublicKey,
    clusterName: spec.name,
    encryption: spec.encryption,
    peers: spec.members.map((m) => ({ id: m.id, dhPublicKey: m.dhPublicKey, host: m.host, port: m.port })),
    listen: { host: me.host, port: me.port },
    logger: silentLogger,
  });
  const members = spec.members.map((m) => m.id);
  const host = new NodeHost<M, D>({
    self: self.id,
    transport,
    codec,
    crypto,
    log: silentLogger,
    group: members,
    onDeliver,
  });
  const others = members.filter((id) => id !== self.id);
  const connected = () =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (others.every((id) => transport.isConnected(id))) return resolve();
        setTimeout(check, 10);
      };
      check();
    });
  return { host, transport, crypto, members, connected };
}
