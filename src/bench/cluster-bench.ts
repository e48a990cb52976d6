/**
 * `bulwark bench --protocol P`: a cluster of real replica processes on loopback and closed-loop
 * clients in this process (the load generator), over the real TCP transport. It reports
 * throughput, latency percentiles, errors, and the CPU share of the load generator and of each
 * replica, since all share one machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCluster, writeClusterDir } from '../config/cluster-gen.js';
import type { ClusterSpec, PrivateIdentity } from '../core/cluster.js';
import type { ProtocolModule } from '../protocols/module.js';
import type { CryptoMode } from '../core/crypto-suite.js';
import { protocols } from '../protocols/registry.js';
import type { BulwarkClient } from '../runtime/client.js';
import { clusterClient } from '../runtime/cluster-client.js';
import { freePorts, launchCluster, queryStats, stopCluster } from '../runtime/launcher.js';
import { round, Samples } from './stats.js';

export interface ClusterBenchOptions {
  readonly protocol: string;
  readonly n: number;
  readonly f?: number;
  readonly clients: number;
  /** Requests each client keeps outstanding. */
  readonly outstanding: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly requestBytes: number;
  readonly replyBytes: number;
  readonly crypto: CryptoMode;
  readonly encryption: boolean;
  readonly onProgress?: (p: { elapsedSec: number; completed: number; opsPerSec: number }) => void;
}

export interface ClusterBenchResult {
  readonly config: ClusterBenchOptions & { f: number };
  readonly throughputOpsPerSec: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly requests: number;
  readonly errors: number;
  readonly loadGeneratorCpuShare: number;
  readonly replicaCpuShare: number[];
}

export async function benchCluster(o: ClusterBenchOptions): Promise<ClusterBenchResult> {
  const module = protocols.get(o.protocol);
  if (module === undefined) throw new Error(`protocol '${o.protocol}' is not available`);
  const f = o.f ?? module.maxFaults(o.n);
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-bench-'));
  const ports = await freePorts(o.n);
  const made = generateCluster({
    n: o.n,
    clients: o.clients,
    name: `bench-${process.pid}-${Date.now()}`,
    host: '127.0.0.1',
    basePort: ports[0] as number,
    protocol: o.protocol,
    f,
    crypto: o.crypto,
    encryption: o.encryption,
  });
  if (!made.ok) throw new Error(made.error.message);
  const generated = made.value;
  // Free ports need not be consecutive: give each member its own.
  const spec = {
    ...generated.spec,
    members: generated.spec.members.map((m, i) => ({ ...m, port: ports[i] as number })),
  };
  const wrote = await writeClusterDir(dir, { ...generated, spec }, { overwrite: true });
  if (!wrote.ok) throw new Error(wrote.error.message);
  const configPath = join(dir, 'cluster.yaml');
  const children = await launchCluster({
    configPath,
    ids: spec.members.map((m) => m.id),
    context: 'bench',
    replyBytes: o.replyBytes,
  });
  const clients = makeClients(spec, generated.privates, module, f, o.outstanding);
  try {
    await Promise.all(clients.map((c) => c.start()));
    return await drive(o, f, clients, children);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stopCluster(children);
    await rm(dir, { recursive: true, force: true });
  }
}

/** One client library instance per client identity of the cluster, each with its own connections. */
function makeClients(
  spec: ClusterSpec,
  privates: readonly PrivateIdentity[],
  module: ProtocolModule<unknown>,
  f: number,
  outstanding: number,
): BulwarkClient[] {
  const clients = spec.clients.map((c) => {
    const key = privates.find((p) => p.id === c.id);
    if (key === undefined) throw new Error(`no key for client ${c.id}`);
    // The benchmark service has no reads: every request is ordered and f+1 replies settle it.
    return clusterClient({
      spec: { ...spec, f },
      module,
      identity: c,
      key,
      context: 'bench',
      windowMax: Math.max(1, outstanding),
      unorderedReads: false,
    });
  });
  return clients;
}

async function drive(
  o: ClusterBenchOptions,
  f: number,
  clients: BulwarkClient[],
  children: Awaited<ReturnType<typeof launchCluster>>,
): Promise<ClusterBenchResult> {
  const samples = new Samples();
  let completed = 0;
  let errors = 0;
  let measuring = false;
  let running = true;
  const op = new Uint8Array(o.requestBytes);
  const loop = async (client: BulwarkClient): Promise<void> => {
    while (running) {
      const t0 = performance.now();
      try {
        await client.invoke(op);
        if (measuring) {
          samples.add(performance.now() - t0);
          completed++;
        }
      } catch {
        if (running && measuring) errors++;
      }
    }
  };
  const loops = clients.flatMap((c) => Array.from({ length: Math.max(1, o.outstanding) }, () => loop(c)));
  await sleep(o.warmupSec * 1000);
  const before = await Promise.all(children.map((c) => queryStats(c.process)));
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const progress = setInterval(() => {
    const elapsedSec = (performance.now() - t0) / 1000;
    o.onProgress?.({ elapsedSec, completed, opsPerSec: completed / Math.max(elapsedSec, 1e-9) });
  }, 1000);
  await sleep(o.durationSec * 1000);
  measuring = false;
  clearInterval(progress);
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = await Promise.all(children.map((c) => queryStats(c.process)));
  running = false;
  await Promise.race([Promise.all(loops), sleep(5_000)]);
  const [p50, p90, p99, max] = samples.percentiles([50, 90, 99, 100]);
  const replicaCpuShare = after.map((a, i) => {
    const b = before[i];
    if (a === undefined || b === undefined) return NaN;
    return round(((a.cpuMicros ?? 0) - (b.cpuMicros ?? 0)) / 1e6 / wallSec);
  });
  return {
    config: { ...o, f, onProgress: undefined },
    throughputOpsPerSec: Math.round(completed / wallSec),
    latencyMs: {
      p50: round(p50 as number),
      p90: round(p90 as number),
      p99: round(p99 as number),
      max: round(max as number),
    },
    requests: completed,
    errors,
    loadGeneratorCpuShare: round((cpu.user + cpu.system) / 1e6 / wallSec),
    replicaCpuShare,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
