/**
 * Client library instances for a cluster directory (a cluster file and the key files beside
 * it, as `bulwark keygen` writes them): one BulwarkClient per client identity, each with its own
 * authenticated connections to every replica, and a KvClient over each.
 */
import { join } from 'node:path';
import { loadClusterFile } from '../../config/cluster-file.js';
import { keyFileName } from '../../config/cluster-gen.js';
import { loadKeyFile } from '../../config/key-file.js';
import { codec } from '../../codec/frame.js';
import type { ClusterSpec } from '../../core/cluster.js';
import type { Logger } from '../../core/env.js';
import { silentLogger } from '../../core/log.js';
import { createClusterCryptoSuite } from '../../crypto/index.js';
import { createTcpTransport } from '../../net/tcp/index.js';
import { planned, protocols } from '../../protocols/registry.js';
import { BulwarkClient } from '../../runtime/client.js';
import { wireSchema, type Wire } from '../../smr/messages.js';
import { readQuorumOf } from '../../smr/read-only.js';
import { KvClient } from './client.js';

export interface ConnectOptions {
  /** The directory holding cluster.yaml and client-<id>.key files. */
  readonly dir: string;
  /** How many client identities to use (the first ones of the cluster file). */
  readonly clients: number;
  /** Skip this many identities first: one identity must never be used by two processes at once. */
  readonly offset?: number;
  /** Requests each client keeps in flight at most (the replicas' client window bounds it). */
  readonly windowMax?: number;
  readonly log?: Logger;
}

export interface ConnectedClients {
  readonly spec: ClusterSpec;
  readonly clients: readonly BulwarkClient[];
  readonly kv: readonly KvClient[];
  close(): Promise<void>;
}

/** Loads the cluster, builds and starts the clients. Throws with a clear message on a bad directory. */
export async function connectKvClients(o: ConnectOptions): Promise<ConnectedClients> {
  const loaded = await loadClusterFile(join(o.dir, 'cluster.yaml'));
  if (!loaded.ok) throw new Error(loaded.error.message);
  const spec = loaded.value;
  const module = protocols.get(spec.protocol);
  if (module === undefined)
    throw new Error(planned.get(spec.protocol) ?? `unknown protocol '${spec.protocol}'`);
  const identities = spec.clients.slice(o.offset ?? 0, (o.offset ?? 0) + o.clients);
  if (identities.length === 0)
    throw new Error(`${o.dir}: the cluster file lists no client from index ${o.offset ?? 0}`);
  const wire = codec(wireSchema(module.schema)) as ReturnType<typeof codec<Wire<unknown>>>;
  const quorum = module.quorum(spec.f);
  const clients: BulwarkClient[] = [];
  for (const identity of identities) {
    const key = await loadKeyFile(join(o.dir, keyFileName(identity.id)));
    if (!key.ok) throw new Error(key.error.message);
    clients.push(
      new BulwarkClient({
        self: identity.id,
        transport: createTcpTransport({
          self: identity.id,
          dhPrivateKey: key.value.dhPrivateKey,
          dhPublicKey: identity.dhPublicKey,
          clusterName: spec.name,
          encryption: spec.encryption,
          peers: spec.members.map((m) => ({
            id: m.id,
            dhPublicKey: m.dhPublicKey,
            host: m.host,
            port: m.port,
          })),
        }),
        codec: wire,
        crypto: createClusterCryptoSuite(spec, key.value, 'deployment'),
        log: o.log ?? silentLogger,
        core: {
          replicas: spec.members.map((m) => m.id),
          replyQuorum: quorum.replyQuorum,
          readQuorum: readQuorumOf(quorum, spec.members.length),
          retryMs: 500,
          retryMsMax: 4_000,
          retriesMax: 8,
          windowMax: o.windowMax ?? 256,
        },
      }),
    );
  }
  await Promise.all(clients.map((c) => c.start()));
  return {
    spec,
    clients,
    kv: clients.map((c) => new KvClient(c)),
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}
