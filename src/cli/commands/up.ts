/**
 * `bulwark up`: a local cluster and its Redis-protocol gateway, in one command. It generates a
 * cluster directory (or reuses one with --dir), starts each replica as its own process running
 * the key-value service, connects client library instances to it, and serves RESP2 on the
 * gateway port (6380 by default), so that `redis-cli -p 6380` and `redis-benchmark -p 6380` use a
 * replicated, Byzantine-fault-tolerant store. SIGINT (Ctrl-C) or SIGTERM stops everything: the
 * gateway, the clients, then the replicas; a generated temporary directory is removed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { connectKvClients, type ConnectedClients } from '../../api/kv/connect.js';
import { RedisGateway } from '../../api/redis/gateway.js';
import { loadClusterFile } from '../../config/cluster-file.js';
import { generateCluster, writeClusterDir } from '../../config/cluster-gen.js';
import type { ClusterSpec } from '../../core/cluster.js';
import { planned, protocols } from '../../protocols/registry.js';
import { freePorts, launchCluster, stopCluster, type ReplicaChild } from '../../runtime/launcher.js';
import { table } from '../output.js';
import { fail, int, oneOf } from '../parse.js';
import { planClusterShape, qosFromFlags, qosOptions, type ClusterShape } from './plan.js';

interface UpFlags {
  n?: number;
  f?: number;
  protocol?: string;
  port: number;
  host: string;
  dir?: string;
  clients: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

const DEFAULT_N = 4;
const DEFAULT_PROTOCOL = 'pbft';

export function registerUp(program: Command): void {
  qosOptions(
    program
      .command('up')
      .description(
        'start a local cluster (replica processes on loopback) with a Redis-protocol gateway; with QoS options (--byzantine, --crash, ...) the protocol, n and f are planned, and --n is the hosts available',
      ),
  )
    .option('--n <count>', `replicas (default ${DEFAULT_N})`, int(1, 64))
    .option('--f <count>', 'faults to tolerate (default: the most n replicas tolerate)', int(0, 21))
    .option('--protocol <name>', `ordering protocol (default ${DEFAULT_PROTOCOL})`)
    .option('--port <port>', 'gateway port (0: any free port)', int(0, 65_535), 6380)
    .option('--host <address>', 'gateway listen address', '127.0.0.1')
    .option(
      '--dir <dir>',
      'cluster directory: reused if it holds cluster.yaml, generated there otherwise (and kept)',
    )
    .option('--clients <count>', 'client identities the gateway spreads connections over', int(1, 64), 4)
    .option(
      '--log-level <level>',
      "replicas' log level: debug, info, warn or error",
      oneOf(['debug', 'info', 'warn', 'error'] as const),
      'warn',
    )
    .action(runUp);
}

interface ClusterDir {
  readonly dir: string;
  readonly spec: ClusterSpec;
  /** Generated in a temporary directory: removed on exit. */
  readonly temporary: boolean;
  readonly generated: boolean;
}

/** Reuses --dir if it holds a cluster file (options must agree with it), or generates a cluster. */
async function prepareDir(flags: UpFlags): Promise<ClusterDir> {
  if (flags.dir !== undefined && existsSync(join(flags.dir, 'cluster.yaml'))) {
    const dir = resolve(flags.dir);
    const loaded = await loadClusterFile(join(dir, 'cluster.yaml'));
    if (!loaded.ok) fail(loaded.error.message, 2);
    const spec = loaded.value;
    const clash = (what: string, asked: unknown, has: unknown) =>
      asked !== undefined && asked !== has
        ? fail(`--${what} ${String(asked)} disagrees with ${dir}/cluster.yaml (${String(has)})`, 2)
        : undefined;
    clash('n', flags.n, spec.members.length);
    clash('f', flags.f, spec.f);
    clash('protocol', flags.protocol, spec.protocol);
    if (qosFromFlags(flags) !== undefined)
      fail(`QoS options plan a new cluster; ${dir} already holds one`, 2);
    return { dir, spec, temporary: false, generated: false };
  }
  const fromQos = planClusterShape(flags, flags.n, false);
  if (fromQos !== undefined) return generateDir(flags, fromQos);
  const protocol = flags.protocol ?? DEFAULT_PROTOCOL;
  const module = protocols.get(protocol);
  if (module === undefined) {
    const why = planned.get(protocol) ?? `unknown protocol '${protocol}'`;
    fail(`${why}${protocol === DEFAULT_PROTOCOL ? ' (try --protocol sequencer --n 3)' : ''}`, 2);
  }
  const n = flags.n ?? DEFAULT_N;
  return generateDir(flags, { n, protocol, f: flags.f ?? module.maxFaults(n) });
}

async function generateDir(flags: UpFlags, shape: ClusterShape): Promise<ClusterDir> {
  const n = shape.n;
  const ports = await freePorts(n);
  const made = generateCluster({
    ...shape,
    clients: Math.max(8, flags.clients),
    name: `bulwark-up-${process.pid}`,
  });
  if (!made.ok) fail(made.error.message, 2);
  // Free ports need not be consecutive: each member gets its own.
  const spec = {
    ...made.value.spec,
    members: made.value.spec.members.map((m, i) => ({ ...m, port: ports[i] as number })),
  };
  const temporary = flags.dir === undefined;
  const dir = temporary ? await mkdtemp(join(tmpdir(), 'bulwark-up-')) : resolve(flags.dir as string);
  const wrote = await writeClusterDir(dir, { ...made.value, spec });
  if (!wrote.ok) fail(wrote.error.message, 2);
  return { dir, spec, temporary, generated: true };
}

interface Running {
  readonly where: ClusterDir;
  children: ReplicaChild[];
  clients: ConnectedClients | undefined;
  gateway: RedisGateway | undefined;
}

/** Stops what runs, in reverse order of starting; safe to call at any stage and more than once. */
async function stopAll(r: Running): Promise<void> {
  await r.gateway?.close();
  r.gateway = undefined;
  await r.clients?.close();
  r.clients = undefined;
  await stopCluster(r.children);
  r.children = [];
  if (r.where.temporary) await rm(r.where.dir, { recursive: true, force: true });
}

async function runUp(flags: UpFlags): Promise<void> {
  const where = await prepareDir(flags);
  const running: Running = { where, children: [], clients: undefined, gateway: undefined };
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the gateway and ${running.children.length} replicas...\n`);
    await stopAll(running);
    process.stdout.write('stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    running.children = await launchCluster({
      configPath: join(where.dir, 'cluster.yaml'),
      ids: where.spec.members.map((m) => m.id),
      context: 'deployment',
      service: 'kv',
      logLevel: flags.logLevel,
    });
    for (const c of running.children) {
      c.process.once('exit', (code, sig) => {
        if (!stopping)
          process.stderr.write(`bulwark up: replica ${c.id} exited (${sig ?? `code ${code}`})\n`);
      });
    }
    running.clients = await connectKvClients({ dir: where.dir, clients: flags.clients });
    running.gateway = await RedisGateway.start({
      host: flags.host,
      port: flags.port,
      backends: running.clients.kv,
    });
  } catch (e) {
    stopping = true;
    await stopAll(running);
    fail(`could not start: ${(e as Error).message}`, 1);
  }
  printWhere(running);
}

function printWhere(r: Running): void {
  const { spec, dir, temporary, generated } = r.where;
  const gw = r.gateway?.address ?? { host: '?', port: 0 };
  const rows = spec.members.map((m) => {
    const child = r.children.find((c) => c.id === m.id);
    return [`replica ${m.id}`, String(child?.process.pid ?? '-'), `${m.host}:${m.port}`];
  });
  rows.push(['gateway (RESP2)', String(process.pid), `${gw.host}:${gw.port}`]);
  console.log(
    `Bulwark: ${spec.members.length} ${spec.protocol} replicas (f = ${spec.f}) and a Redis-protocol gateway\n`,
  );
  console.log(table(['process', 'pid', 'listens on'], rows));
  const note = temporary
    ? ' (temporary: removed on exit; use --dir to keep one)'
    : generated
      ? ' (generated)'
      : ' (reused)';
  console.log(`\ncluster dir: ${dir}${note}`);
  console.log(`gateway: redis://${gw.host}:${gw.port}   try: redis-cli -p ${gw.port} set k v`);
  console.log('Ctrl-C stops everything.');
}
