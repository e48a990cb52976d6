/**
 * One client library instance for one client identity of a cluster: its own authenticated
 * connections to every replica, its crypto suite, and the client core with the cluster's
 * quorums. The KV connector, the benchmarks and the tests all build clients here.
 */
import { codec } from '../codec/frame.js';
import type { ClusterSpec, PrivateIdentity, PublicIdentity } from '../core/cluster.js';
import type { Logger } from '../core/env.js';
import { silentLogger } from '../core/log.js';
import { createClusterCryptoSuite, type CryptoContext } from '../crypto/index.js';
import { createTcpTransport } from '../net/tcp/index.js';
import type { ProtocolModule } from '../protocols/module.js';
import { wireSchema, type Wire } from '../smr/messages.js';
import { readQuorumOf } from '../smr/read-only.js';
import { BulwarkClient } from './client.js';
import { strictReplyQuorum } from '../smr/switching/index.js';

export interface ClusterClientOptions {
  readonly spec: ClusterSpec;
  readonly module: ProtocolModule<unknown>;
  readonly identity: PublicIdentity;
  readonly key: PrivateIdentity;
  readonly context: CryptoContext;
  /** Requests in flight at most. */
  readonly windowMax: number;
  /**
   * Answer read-only requests without ordering (2f+1 matching replies); ordered results then
   * need 2f+1 too (smr/client-core.ts, orderedQuorumFor). Off: every request is ordered and f+1
   * matching replies settle it.
   */
  readonly unorderedReads: boolean;
  readonly log?: Logger;
}

export function clusterClient(o: ClusterClientOptions): BulwarkClient {
  const { spec, identity, key } = o;
  const quorum = o.module.quorum(spec.f);
  return new BulwarkClient({
    self: identity.id,
    transport: createTcpTransport({
      self: identity.id,
      dhPrivateKey: key.dhPrivateKey,
      dhPublicKey: identity.dhPublicKey,
      clusterName: spec.name,
      encryption: spec.encryption,
      peers: spec.members.map((m) => ({ id: m.id, dhPublicKey: m.dhPublicKey, host: m.host, port: m.port })),
    }),
    codec: codec(wireSchema(o.module.schema)) as ReturnType<typeof codec<Wire<unknown>>>,
    crypto: createClusterCryptoSuite(spec, key, o.context),
    log: o.log ?? silentLogger,
    core: {
      replicas: spec.members.map((m) => m.id),
      // Replicas run the switching layer: the cluster may move to its strictest fault model.
      replyQuorum: Math.max(quorum.replyQuorum, strictReplyQuorum(spec.members.length)),
      readQuorum: o.unorderedReads ? readQuorumOf(quorum, spec.members.length) : undefined,
      retryMs: 500,
      retryMsMax: 4_000,
      retriesMax: 8,
      windowMax: o.windowMax,
    },
  });
}
