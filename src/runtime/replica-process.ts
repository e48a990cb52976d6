/**
 * One replica as an operating-system process: reads the cluster file and its key file, builds
 * its crypto suite, TCP transport and replica node, and serves until told to stop. This is
 * what `bulwark replica --config F --id I` runs.
 */
import { dirname, join } from 'node:path';
import { loadClusterFile } from '../config/cluster-file.js';
import { checkKeyMatchesCluster, loadKeyFile } from '../config/key-file.js';
import { codec } from '../codec/frame.js';
import type { ProtocolStatus } from '../core/env.js';
import type { Result } from '../core/result.js';
import { injectFaults } from './fault-injection.js';
import type { Logger } from '../core/env.js';
import { clientIdentities, type ClusterSpec } from '../core/cluster.js';
import { createClusterCryptoSuite, type CryptoContext } from '../crypto/index.js';
import { createTcpTransport, type TcpTransport } from '../net/tcp/index.js';
import { planned, protocols } from '../protocols/registry.js';
import { wireSchema, type Wire } from '../smr/messages.js';
import type { Observation } from '../smr/observations.js';
import { ReplicaNode } from '../smr/replica-node.js';
import { CounterService, type Service } from '../smr/service.js';
import { KvService } from '../api/kv/service.js';
import { NodeHost } from './node-host.js';
import type { Codec } from '../codec/frame.js';
import type { ProtocolModule } from '../protocols/module.js';
import {
  strictReplyQuorum,
  switchingDefaults,
  switchingReplica,
  type SwitchingOptions,
} from '../smr/switching/index.js';

export interface ReplicaProcessOptions {
  readonly configPath: string;
  readonly id: number;
  /** Defaults to member-<id>.key beside the cluster file. */
  readonly keyPath?: string;
  /** 'bench' lets a benchmark cluster run with crypto 'none'; a deployment refuses it. */
  readonly context: CryptoContext;
  readonly replyBytes: number;
  /** The replicated service: the key-value store, or the benchmarks' counter (default). */
  readonly service?: ReplicaServiceName;
  readonly log: Logger;
}

export type ReplicaServiceName = 'kv' | 'counter';

function createService(name: ReplicaServiceName, replyBytes: number): Service {
  return name === 'kv' ? new KvService() : new CounterService(replyBytes);
}

export interface RunningReplica {
  readonly spec: ClusterSpec;
  readonly transport: TcpTransport;
  readonly host: NodeHost<Wire<unknown>, Observation>;
  readonly node: ReplicaNode<unknown>;
  executed(): { batches: number; requests: number; lastSeq: number; stateInstalls: number };
  /** The ordering protocol's view, leader and counters. */
  status(): ProtocolStatus;
  /** Make this replica Byzantine on purpose (fault injection), or correct again with []. */
  inject(names: readonly string[]): Result<string[], string>;
  close(): Promise<void>;
}

/** Batches between checkpoints when the cluster file's tuning does not say. */
const CHECKPOINT_INTERVAL_DEFAULT = 128;

function checkpointIntervalOf(spec: ClusterSpec): number {
  return spec.tuning?.checkpointInterval ?? CHECKPOINT_INTERVAL_DEFAULT;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export async function startReplica(o: ReplicaProcessOptions): Promise<RunningReplica> {
  const loaded = await loadClusterFile(o.configPath);
  if (!loaded.ok) throw new ConfigError(loaded.error.message);
  const spec = loaded.value;
  const member = spec.members.find((m) => m.id === o.id);
  if (member === undefined) throw new ConfigError(`replica ${o.id} is not a member of ${o.configPath}`);
  const keyPath = o.keyPath ?? join(dirname(o.configPath), `member-${o.id}.key`);
  const key = await loadKeyFile(keyPath);
  if (!key.ok) throw new ConfigError(key.error.message);
  if (key.value.id !== o.id)
    throw new ConfigError(`${keyPath} holds the key of ${key.value.id}, not ${o.id}`);
  const matches = checkKeyMatchesCluster(spec, key.value);
  if (!matches.ok) throw new ConfigError(matches.error.message);
  const module = protocols.get(spec.protocol);
  if (module === undefined) {
    throw new ConfigError(planned.get(spec.protocol) ?? `unknown protocol '${spec.protocol}'`);
  }
  const crypto = createClusterCryptoSuite(spec, key.value, o.context);
  // Every replica runs the switching layer: epoch 0 is the cluster file's protocol (smr/switching).
  const sw = switchingReplica(createService(o.service ?? 'counter', o.replyBytes), switchingOptionsOf(spec));
  const transport = replicaTransport(spec, member, key.value.dhPrivateKey, o.log);
  const wire = codec(wireSchema(sw.module.schema)) as Codec<Wire<unknown>>;
  const stats = { batches: 0, requests: 0, lastSeq: 0, stateInstalls: 0 };
  const host = new NodeHost<Wire<unknown>, Observation>({
    self: o.id,
    transport,
    codec: wire,
    crypto,
    log: o.log,
    group: spec.members.map((m) => m.id),
    onDeliver: (obs) => {
      if (obs.kind === 'state-installed') stats.stateInstalls++;
      if (obs.kind !== 'executed') return;
      stats.batches++;
      stats.requests += obs.requests.length;
      stats.lastSeq = obs.seq;
    },
  });
  let node: ReplicaNode<unknown>;
  try {
    node = new ReplicaNode(host.env(), {
      module: sw.module as ProtocolModule<unknown>,
      config: { members: spec.members.map((m) => m.id), f: spec.f, role: 'active' },
      service: sw.service,
      clientWindowMax: 1024,
      // The protocol reads the same tuning, so both layers agree on where checkpoints fall (as sim/node-factory.ts).
      checkpointInterval: checkpointIntervalOf(spec),
    });
  } catch (e) {
    // The protocol checks its tuning as it starts (its resolveTuning): a bad value is the file's fault.
    await host.close();
    throw new ConfigError(`${o.configPath}: tuning: ${(e as Error).message}`);
  }
  await host.run(node);
  return {
    spec,
    transport,
    host,
    node,
    executed: () => ({ ...stats }),
    status: () => node.protocol.status?.() ?? {},
    inject: (names) =>
      injectFaults(
        { spec, self: o.id, codec: wire, crypto, host: host as NodeHost<unknown, unknown> },
        names,
      ),
    close: () => host.close(),
  };
}

/** What every replica of a cluster runs the switching layer with (the same on all of them). */
export function switchingOptionsOf(spec: ClusterSpec): SwitchingOptions {
  const hosts = spec.members.map((m) => m.id);
  return {
    protocols,
    hosts,
    initial: { protocol: spec.protocol, members: hosts, tuning: spec.tuning },
    // No administrator in the cluster file: no id signs, so every command is refused.
    admin: spec.admin?.id ?? -1,
    replyQuorum: strictReplyQuorum(hosts.length),
    checkpointInterval: checkpointIntervalOf(spec),
    ...switchingDefaults,
  };
}

/** The replica's TCP transport: it listens at its address and knows every member and client key. */
function replicaTransport(
  spec: ClusterSpec,
  member: ClusterSpec['members'][number],
  dhPrivateKey: Uint8Array,
  log: Logger,
): TcpTransport {
  return createTcpTransport({
    self: member.id,
    dhPrivateKey,
    dhPublicKey: member.dhPublicKey,
    clusterName: spec.name,
    encryption: spec.encryption,
    peers: [
      ...spec.members.map((m) => ({ id: m.id, dhPublicKey: m.dhPublicKey, host: m.host, port: m.port })),
      ...clientIdentities(spec).map((c) => ({ id: c.id, dhPublicKey: c.dhPublicKey })),
    ],
    listen: { host: member.host, port: member.port },
    logger: log,
  });
}
