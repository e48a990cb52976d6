/**
 * Client library instances for a cluster directory (a cluster file and the key files beside
 * it, as `bulwark keygen` writes them): one BulwarkClient per client identity, each with its own
 * authenticated connections to every replica, and a KvClient over each.
 */
import { join } from 'node:path';
import { loadClusterFile } from '../../config/cluster-file.js';
import { keyFileName } from '../../config/cluster-gen.js';
import { loadKeyFile } from '../../config/key-file.js';
import type { ClusterSpec } from '../../core/cluster.js';
import type { Logger } from '../../core/env.js';
import { planned, protocols } from '../../protocols/registry.js';
import { type BulwarkClient } from '../../runtime/client.js';
import { clusterClient } from '../../runtime/cluster-client.js';
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
  const clients: BulwarkClient[] = [];
  for (const identity of identities) {
    const key = await loadKeyFile(join(o.dir, keyFileName(identity.id)));
    if (!key.ok) throw new Error(key.error.message);
    clients.push(
      clusterClient({
        spec,
        module,
        identity,
        key: key.value,
        context: 'deployment',
        windowMax: o.windowMax ?? 256,
        unorderedReads: true,
        log: o.log,
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
