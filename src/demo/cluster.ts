/**
 * The demo's cluster: 4 PBFT replicas running the key-value store as separate processes on
 * loopback, key-value clients in this process, and the levers the scenario pulls: inject or
 * repair a fault, kill a replica with SIGKILL, restart it, read its counters.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectKvClients, type ConnectedClients } from '../api/kv/connect.js';
import { generateCluster, writeClusterDir } from '../config/cluster-gen.js';
import {
  freePorts,
  launchCluster,
  queryStats,
  spawnReplica,
  stopCluster,
  waitReady,
  type LaunchOptions,
  type ReplicaChild,
} from '../runtime/launcher.js';

export interface ReplicaStats {
  readonly view?: number;
  readonly leader?: number;
  readonly lastSeq: number;
  readonly suspicions: Readonly<Record<string, number>>;
  readonly counters: Readonly<Record<string, number>>;
}

export class DemoCluster {
  private constructor(
    readonly dir: string,
    readonly n: number,
    readonly children: ReplicaChild[],
    readonly clients: ConnectedClients,
    private readonly launch: LaunchOptions,
  ) {}

  static async start(o: { n: number; clients: number; protocol?: string }): Promise<DemoCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-'));
    const ports = await freePorts(o.n);
    const made = generateCluster({
      n: o.n,
      clients: o.clients,
      protocol: o.protocol ?? 'pbft',
      name: 'bulwark-demo',
    });
    if (!made.ok) throw new Error(made.error.message);
    const spec = {
      ...made.value.spec,
      members: made.value.spec.members.map((m, i) => ({ ...m, port: ports[i] as number })),
    };
    const wrote = await writeClusterDir(dir, { ...made.value, spec });
    if (!wrote.ok) throw new Error(wrote.error.message);
    const launch: LaunchOptions = {
      configPath: join(dir, 'cluster.yaml'),
      ids: spec.members.map((m) => m.id),
      context: 'deployment',
      service: 'kv',
      // The report says who suspected whom; per-event warnings would bury the story.
      logLevel: 'error',
    };
    const children = await launchCluster(launch);
    const clients = await connectKvClients({ dir, clients: o.clients, windowMax: 64 });
    return new DemoCluster(dir, o.n, children, clients, launch);
  }

  private child(id: number): ChildProcess {
    const c = this.children.find((x) => x.id === id);
    if (c === undefined) throw new Error(`no replica ${id}`);
    return c.process;
  }

  /** Make replica `id` run these Byzantine behaviours (an empty list repairs it). */
  async inject(id: number, behaviours: readonly string[]): Promise<void> {
    const p = this.child(id);
    const reply = new Promise<{ kind: string; reason?: string }>((resolve) => {
      const on = (m: { kind?: string; reason?: string }) => {
        if (m.kind !== 'injected' && m.kind !== 'inject-failed') return;
        p.off('message', on);
        resolve(m as { kind: string; reason?: string });
      };
      p.on('message', on);
    });
    p.send({ kind: 'inject', behaviours });
    const r = await reply;
    if (r.kind !== 'injected') throw new Error(`replica ${id} refused the fault: ${r.reason}`);
  }

  async stats(id: number): Promise<ReplicaStats | undefined> {
    const s = (await queryStats(this.child(id))) as unknown as ReplicaStats | undefined;
    return s;
  }

  async allStats(): Promise<(ReplicaStats | undefined)[]> {
    return Promise.all(this.children.map((c) => this.stats(c.id)));
  }

  /** SIGKILL: no goodbye, no flush. */
  async kill(id: number): Promise<void> {
    const p = this.child(id);
    const exited = once(p, 'exit');
    p.kill('SIGKILL');
    await exited;
  }

  /** Start replica `id` again: a new process with no state of its own. */
  async restart(id: number): Promise<void> {
    const fresh = spawnReplica(this.launch, id);
    await waitReady(fresh, 15_000);
    const entry = this.children.find((x) => x.id === id) as ReplicaChild;
    entry.process = fresh;
  }

  async close(): Promise<void> {
    await this.clients.close();
    await stopCluster(this.children);
    await rm(this.dir, { recursive: true, force: true });
  }
}
