/**
 * Starts a local cluster as separate processes (`bulwark replica` each) and stops it. Used by
 * `bulwark bench`, the demo and the real-process tests. Each child reports readiness and its
 * counters over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const cliMain = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface ReplicaChild {
  readonly id: number;
  process: ChildProcess;
}

export interface LaunchOptions {
  readonly configPath: string;
  readonly ids: readonly number[];
  readonly context: 'deployment' | 'bench';
  readonly replyBytes?: number;
  /** The replicated service (default counter, the benchmarks' service). */
  readonly service?: 'kv' | 'counter';
  /** Extra arguments for node itself (e.g. --cpu-prof). */
  readonly execArgv?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** The replicas' log level (default warn: peers coming and going are routine in a local cluster). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Asks the OS for `count` free loopback ports (bound and released at once). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const s = createServer();
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
      return s;
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function spawnReplica(o: LaunchOptions, id: number): ChildProcess {
  const args = ['replica', '--config', o.configPath, '--id', String(id), '--context', o.context, '--ipc'];
  args.push('--log-level', o.logLevel ?? 'warn');
  if (o.replyBytes !== undefined) args.push('--reply-size', String(o.replyBytes));
  args.push('--service', o.service ?? 'counter');
  return fork(cliMain, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [...(o.execArgv ?? [])],
  });
}

/** Resolves when the child says it is ready; rejects if it exits or times out first. */
export function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica not ready within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: unknown) => {
      if ((m as { kind?: string }).kind !== 'ready') return;
      cleanup();
      resolve();
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`replica exited with code ${code} before it was ready`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function launchCluster(o: LaunchOptions): Promise<ReplicaChild[]> {
  const children = o.ids.map((id) => ({ id, process: spawnReplica(o, id) }));
  try {
    await Promise.all(children.map((c) => waitReady(c.process, o.readyTimeoutMs ?? 15_000)));
  } catch (e) {
    await stopCluster(children);
    throw e;
  }
  return children;
}

/** Asks a replica for its counters over IPC. */
export function queryStats(
  child: ChildProcess,
  timeoutMs = 2_000,
): Promise<Record<string, number> | undefined> {
  return new Promise((resolve) => {
    if (!child.connected) return resolve(undefined);
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(undefined);
    }, timeoutMs);
    const onMessage = (m: unknown) => {
      const msg = m as { kind?: string; stats?: Record<string, number> };
      if (msg.kind !== 'stats') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg.stats);
    };
    child.on('message', onMessage);
    child.send({ kind: 'stats?' });
  });
}

/** SIGTERM, then SIGKILL for any child still alive after the grace period. */
export async function stopCluster(children: readonly ReplicaChild[], graceMs = 3_000): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      const p = c.process;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = once(p, 'exit');
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}
