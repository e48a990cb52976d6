/**
 * One group member in this process: reads the group's cluster file and the member's key file,
 * builds its crypto suite and Noise TCP transport, and hosts the member protocol with NodeHost.
 * What the member tells its application (deliveries, views, exclusion) and the suspicions it
 * raises reach the listeners given to `on`, synchronously and in order. `GroupChannel` and the
 * `bulwark group-member` process both stand on this.
 */
import { dirname, join } from 'node:path';
import { checkKeyMatchesCluster, loadKeyFile } from '../../config/key-file.js';
import type { Codec } from '../../codec/frame.js';
import type { PrivateIdentity } from '../../core/cluster.js';
import type { CryptoSuite } from '../../core/crypto-suite.js';
import type { Env, Logger, TimerKey } from '../../core/env.js';
import type { NodeId } from '../../core/ids.js';
import { silentLogger } from '../../core/log.js';
import type { Result } from '../../core/result.js';
import { createClusterCryptoSuite, type CryptoContext } from '../../crypto/index.js';
import { createTcpTransport, type TcpTransport } from '../../net/tcp/index.js';
import type { GroupEvent, GroupMemberConfig, GroupView } from '../../protocols/itua/group-api.js';
import type { Guarantee } from '../../protocols/itua/index.js';
import { injectFaults } from '../fault-injection.js';
import { NodeHost } from '../node-host.js';
import { StartGate } from './start-gate.js';
import { GroupError } from './errors.js';
import { loadGroupFile, resolveClusterPath, type GroupSpec } from './group-file.js';
import {
  createMember,
  memberCodec,
  type HostedMember,
  type MemberTimer,
  type MemberWire,
} from './member-kind.js';

/** What a hosted member reports: its application events, and the suspicions it raised. */
export type GroupReport =
  | GroupEvent
  | { readonly kind: 'suspect'; readonly node: NodeId; readonly code: string; readonly detail?: string };

export interface GroupMemberOptions {
  /** The group's cluster file, the directory holding it (cluster.yaml), or the parsed file. */
  readonly cluster: string | GroupSpec;
  readonly self: NodeId;
  /** The key file, or the keys; default member-<self>.key beside the cluster file. */
  readonly keyFile?: string | PrivateIdentity;
  /** 'bench' accepts `crypto: none` (experiments); a deployment refuses it. Default deployment. */
  readonly context?: CryptoContext;
  /** Overrides of the file's tuning, by name. */
  readonly tuning?: Readonly<Record<string, number>>;
  readonly log?: Logger;
  /**
   * A member of view 0 starts once it reaches the other members of view 0, or after this long
   * without them (start-gate.ts). Default 30 s.
   */
  readonly gatherMs?: number;
}

const GATHER_MS_DEFAULT = 30_000;

/** Reports kept for the first listener, at most. */
const EARLY_REPORTS_MAX = 1024;

export class RunningGroupMember {
  private readonly listeners = new Set<(r: GroupReport) => void>();
  private readonly early: GroupReport[] = [];

  readonly member: HostedMember;

  constructor(
    readonly spec: GroupSpec,
    readonly self: NodeId,
    readonly transport: TcpTransport,
    readonly host: NodeHost<MemberWire, GroupEvent>,
    private readonly inject_: (names: readonly string[]) => Result<string[], string>,
    config: GroupMemberConfig,
  ) {
    this.member = createMember(reportingEnv(host.env(), this), config);
  }

  /**
   * Listen to every report from now on; returns the function that stops listening. The first
   * listener also gets what was reported before it came (the first view is installed at start).
   */
  on(listener: (r: GroupReport) => void): () => void {
    this.listeners.add(listener);
    const early = this.early.splice(0);
    for (const r of early) listener(r);
    return () => this.listeners.delete(listener);
  }

  report(r: GroupReport): void {
    if (this.listeners.size === 0) {
      // Bounded: nobody listening for long means nobody will, and only the start matters.
      if (this.early.length < EARLY_REPORTS_MAX) this.early.push(r);
      return;
    }
    for (const l of [...this.listeners]) l(r);
  }

  /** False when the stack has too many multicasts in flight, or no view: try again later. */
  multicast(guarantee: Guarantee, data: Uint8Array): boolean {
    return this.member.multicast(guarantee, data);
  }

  currentView(): GroupView | undefined {
    return this.member.currentView();
  }

  leave(): void {
    this.member.leave();
  }

  /** Make this member Byzantine on purpose by behaviour names (fault-injection.ts); [] repairs it. */
  inject(names: readonly string[]): Result<string[], string> {
    return this.inject_(names);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return this.host.close();
  }
}

export async function startGroupMember(o: GroupMemberOptions): Promise<RunningGroupMember> {
  const spec = await loadSpec(o.cluster);
  const entry = spec.cluster.members.find((m) => m.id === o.self);
  if (entry === undefined) {
    throw new GroupError('NOT_MEMBER', `node ${o.self} is not on the group's authorized list`);
  }
  const key = await loadKey(o, spec);
  const log = o.log ?? silentLogger;
  const crypto = cryptoSuite(spec, key, o.context ?? 'deployment');
  const transport = createTcpTransport({
    self: o.self,
    dhPrivateKey: key.dhPrivateKey,
    dhPublicKey: entry.dhPublicKey,
    clusterName: spec.cluster.name,
    encryption: spec.cluster.encryption,
    peers: spec.cluster.members,
    listen: { host: entry.host, port: entry.port },
    logger: log,
  });
  const host = new NodeHost<MemberWire, GroupEvent>({
    self: o.self,
    transport,
    codec: memberCodec,
    crypto,
    log,
    group: spec.authorized,
    onDeliver: (e) => running.report(e),
  });
  const codec = memberCodec as Codec<unknown>;
  const target = {
    spec: spec.cluster,
    self: o.self,
    codec,
    crypto,
    host: host as NodeHost<unknown, unknown>,
    // Ranks as the behaviours read them: view 0's order, then the nodes that may join.
    replicas: [...spec.initial, ...spec.authorized.filter((id) => !spec.initial.includes(id))],
  };
  const config: GroupMemberConfig = {
    members: spec.initial,
    authorized: spec.authorized,
    joining: !spec.initial.includes(o.self),
    tuning: { ...spec.tuning, ...o.tuning },
  };
  const inject = (names: readonly string[]) => injectFaults(target, names);
  const running = new RunningGroupMember(spec, o.self, transport, host, inject, config);
  // Only members of view 0 wait for each other; a joiner asks to be admitted at once.
  const waitMs = config.joining === true ? 0 : (o.gatherMs ?? GATHER_MS_DEFAULT);
  await host.run(new StartGate(running.member, transport, spec.initial, waitMs));
  return running;
}

/** The host's env, with suspicions also reported to the listeners (NodeHost counts and logs them). */
function reportingEnv(
  env: Env<MemberWire, TimerKey, GroupEvent>,
  running: RunningGroupMember,
): Env<MemberWire, MemberTimer, GroupEvent> {
  return {
    ...env,
    suspect: (node, evidence) => {
      env.suspect(node, evidence);
      running.report({ kind: 'suspect', node, code: evidence.code, detail: evidence.detail });
    },
  };
}

function cryptoSuite(spec: GroupSpec, key: PrivateIdentity, context: CryptoContext): CryptoSuite {
  try {
    return createClusterCryptoSuite(spec.cluster, key, context);
  } catch (e) {
    // `crypto: none` outside a benchmark or experiment.
    throw new GroupError('CONFIG', (e as Error).message);
  }
}

async function loadSpec(cluster: string | GroupSpec): Promise<GroupSpec> {
  if (typeof cluster !== 'string') return cluster;
  const loaded = await loadGroupFile(cluster);
  if (!loaded.ok) throw new GroupError('CONFIG', loaded.error.message);
  return loaded.value;
}

async function loadKey(o: GroupMemberOptions, spec: GroupSpec): Promise<PrivateIdentity> {
  let key: PrivateIdentity;
  if (typeof o.keyFile === 'object') key = o.keyFile;
  else {
    if (o.keyFile === undefined && typeof o.cluster !== 'string') {
      throw new GroupError('CONFIG', 'keyFile is required when the cluster is given parsed');
    }
    const path =
      o.keyFile ?? join(dirname(await resolveClusterPath(o.cluster as string)), `member-${o.self}.key`);
    const loaded = await loadKeyFile(path);
    if (!loaded.ok) throw new GroupError('CONFIG', loaded.error.message);
    key = loaded.value;
  }
  if (key.id !== o.self)
    throw new GroupError('CONFIG', `the key file holds the keys of ${key.id}, not ${o.self}`);
  const matches = checkKeyMatchesCluster(spec.cluster, key);
  if (!matches.ok) throw new GroupError('CONFIG', matches.error.message);
  return key;
}
