/**
 * Launching one experiment run of our own member processes (worker-main.ts): a fresh cluster (keys, loopback ports), one forked process per
 * member, a barrier once every member is connected to every other (the paper's "wait for the
 * group size to reach group_size"), then `go`, the members' results, and a stop that leaves no
 * process behind even when a run fails or times out.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ClusterSpec, PrivateIdentity } from '../core/cluster.js';
import type { CryptoMode } from '../core/crypto-suite.js';
import { generateCluster } from '../config/cluster-gen.js';
import { freePorts } from '../runtime/launcher.js';

const workerMain = fileURLToPath(new URL('./worker-main.js', import.meta.url));

export interface FreshCluster {
  readonly spec: ClusterSpec;
  readonly privates: readonly PrivateIdentity[];
}

let runNumber = 0;

/** Keys and free loopback ports for n members. */
export async function freshCluster(n: number, crypto: CryptoMode): Promise<FreshCluster> {
  const ports = await freePorts(n);
  const made = generateCluster({ n, clients: 0, crypto, name: `experiment-${process.pid}-${++runNumber}` });
  if (!made.ok) throw new Error(made.error.message);
  const members = made.value.spec.members.map((m, i) => ({ ...m, port: ports[i] ?? 0 }));
  return { spec: { ...made.value.spec, members }, privates: made.value.privates.slice(0, n) };
}

export class RunFailed extends Error {
  override name = 'RunFailed';
}

export interface Group {
  readonly children: readonly ChildProcess[];
  /** Every member's next message of `kind`, or RunFailed after `timeoutMs`. */
  collect<R>(kind: string, timeoutMs: number, from?: readonly number[]): Promise<R[]>;
  send(index: number, m: unknown): void;
  broadcast(m: unknown): void;
  stop(): Promise<void>;
}

/** Forks one member process per setup and waits until all of them are connected. */
export async function launchMembers(setups: readonly unknown[], connectTimeoutMs = 30_000): Promise<Group> {
  const children = setups.map(() =>
    fork(workerMain, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' }),
  );
  const group = groupOf(children);
  try {
    const connected = group.collect('connected', connectTimeoutMs);
    setups.forEach((s, i) => group.send(i, s));
    await connected;
  } catch (e) {
    await group.stop();
    throw e;
  }
  return group;
}

function groupOf(children: readonly ChildProcess[]): Group {
  const collect = <R>(kind: string, timeoutMs: number, from?: readonly number[]) =>
    Promise.all(
      (from ?? children.map((_, i) => i)).map((i) =>
        nextMessage<R>(children[i] as ChildProcess, kind, timeoutMs),
      ),
    );
  return {
    children,
    collect,
    send: (i, m) => {
      const c = children[i];
      if (c?.connected === true) c.send(m as never);
    },
    broadcast: (m) => {
      for (const c of children) if (c.connected) c.send(m as never);
    },
    stop: () => stopAll(children),
  };
}

function nextMessage<R>(child: ChildProcess, kind: string, timeoutMs: number): Promise<R> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new RunFailed(`no '${kind}' from a member within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: { kind?: string; message?: string }) => {
      if (m.kind === 'error') done(new RunFailed(`a member failed: ${m.message ?? '?'}`));
      else if (m.kind === kind) done(undefined, m as R);
    };
    const onExit = (code: number | null) => done(new RunFailed(`a member exited (${code}) before '${kind}'`));
    const done = (e: Error | undefined, value?: R) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (e !== undefined) reject(e);
      else resolve(value as R);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Ask every member to stop; SIGKILL whoever is still there after a grace period. */
async function stopAll(children: readonly ChildProcess[], graceMs = 2_000): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      if (c.connected) c.send({ kind: 'stop' });
      else c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}
