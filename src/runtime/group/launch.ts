/**
 * An ITUA group as one process per member on loopback (`bulwark group-member --ipc` each), for
 * tests and experiments. Each member process streams what it reports back over IPC as it happens;
 * `launchGroup` resolves once every member of view 0 installed it.
 *
 *   const g = await launchGroup({ n: 4 });              // fresh keys, free ports, a temporary dir
 *   g.members[0].on((report, atMs) => ...);             // deliver / view / excluded / suspect
 *   await g.members[1].multicast(bytes, 'total');       // resolves once member 1's stack accepted it
 *   await g.inject(3, ['mutant']);                      // member 3 turns Byzantine; ['crash'] kills it
 *   await g.members[0].waitFor((r) => r.kind === 'view' && r.view.id > 0, 10_000);
 *   await g.stop();                                     // kills every member, removes the temporary dir
 *
 * Reports are `GroupReport`s (member-process.ts): the member's `GroupEvent`s and its suspicions.
 * `atMs` is the member's wall clock in milliseconds (sub-millisecond; ipc.ts), comparable across
 * the members and the parent. Fault names are the simulator's behaviours for `itua` (`mutant`,
 * `impede-total-order`, `silent`, `replay`, `malformed`, …) plus `crash`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../launcher.js';
import { GroupError } from './errors.js';
import { generateGroup, writeGroupDir, type GroupSpec } from './group-file.js';
import type { FromMember } from './ipc.js';
import { MemberHandle } from './member-handle.js';

export { MemberHandle, type TimedReport } from './member-handle.js';
export type { GroupReport } from './member-process.js';
export type { MemberStats } from './ipc.js';

const cliMain = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface LaunchGroupOptions {
  /** Members of view 0: ids 0..n-1. */
  readonly n: number;
  /**
   * View 0 in rank order (default 0..n-1). Rank 0 leads the first view installation and the next
   * ranks are its deputies (seed 003), so a Table III fault strikes only in a member ranked there.
   */
  readonly ranks?: readonly number[];
  /** More authorized nodes (ids n..n+joiners-1), not started: `start(id)` makes one ask to join. */
  readonly joiners?: number;
  /** 'none' runs without signatures (the paper's "crypto off" stacks). Default 'real'. */
  readonly crypto?: 'real' | 'none';
  /** Timer overrides for every member, by name (the stack's timers.ts and the membership's). */
  readonly tuning?: Readonly<Record<string, number>>;
  /** Faults each member takes on from its start, by id. */
  readonly inject?: Readonly<Record<number, readonly string[]>>;
  /** Write the cluster and key files here and keep them; default a temporary dir that stop() removes. */
  readonly dir?: string;
  readonly readyTimeoutMs?: number;
  /** The members' log level on stderr (default error). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra arguments for node itself in every member (e.g. --cpu-prof). */
  readonly execArgv?: readonly string[];
}

export interface GroupHandle {
  readonly dir: string;
  readonly spec: GroupSpec;
  /** Every authorized node by id (joiners included: not running until started). */
  readonly members: readonly MemberHandle[];
  /** Start a member that is not running (a joiner); resolves when its process is ready. */
  start(id: number): Promise<void>;
  /** Inject faults into a running member by name; `crash` kills it. Resolves with the names taken. */
  inject(id: number, faults: readonly string[]): Promise<string[]>;
  /** Kill every member process; remove the directory if launchGroup made it. */
  stop(): Promise<void>;
}

export async function launchGroup(o: LaunchGroupOptions): Promise<GroupHandle> {
  const total = o.n + (o.joiners ?? 0);
  const ports = await freePorts(total);
  const made = generateGroup({
    n: total,
    initial: o.n,
    ranks: o.ranks,
    ports,
    crypto: o.crypto ?? 'real',
    tuning: o.tuning,
    name: `itua-group-${process.pid}-${ports[0]}`,
  });
  if (!made.ok) throw new GroupError('CONFIG', made.error.message);
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'bulwark-group-')));
  const wrote = await writeGroupDir(dir, made.value, { overwrite: o.dir !== undefined });
  if (!wrote.ok) throw new GroupError('CONFIG', wrote.error.message);
  const members = made.value.authorized.map((id) => new MemberHandle(id));
  const spawnOne = (id: number) => spawnMember(o, wrote.value, id, members[id] as MemberHandle);
  const stop = async () => {
    await Promise.all(members.map((m) => m.kill()));
    if (o.dir === undefined) await rm(dir, { recursive: true, force: true });
  };
  const formed = (id: number) =>
    (members[id] as MemberHandle).waitFor(
      (r) => r.kind === 'view' && r.view.members.includes(id),
      o.readyTimeoutMs ?? 15_000,
    );
  try {
    await Promise.all(made.value.initial.map(spawnOne));
    // Resolve once the group has formed: every member of view 0 installed it.
    await Promise.all(made.value.initial.map(formed));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    spec: made.value,
    members,
    start: (id) => spawnOne(id),
    inject: (id, faults) => (members[id] ?? unknown(id)).inject(faults),
    stop,
  };
}

function unknown(id: number): never {
  throw new GroupError('NOT_MEMBER', `node ${id} is not a member of this group`);
}

async function spawnMember(
  o: LaunchGroupOptions,
  configPath: string,
  id: number,
  handle: MemberHandle,
): Promise<void> {
  if (handle.running) return;
  const args = ['group-member', '--config', configPath, '--id', String(id), '--context', 'bench', '--ipc'];
  args.push('--log-level', o.logLevel ?? 'error');
  const faults = o.inject?.[id];
  if (faults !== undefined && faults.length > 0) args.push('--inject', faults.join(','));
  const child = fork(cliMain, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
    execArgv: [...(o.execArgv ?? [])],
  });
  handle.attach(child);
  await waitReady(child, o.readyTimeoutMs ?? 15_000);
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`group member not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: FromMember) => {
      if (m.kind === 'ready') done();
    };
    const onExit = (code: number | null) =>
      done(new Error(`group member exited with ${code} before it was ready`));
    const done = (e?: Error) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (e === undefined) resolve();
      else reject(e);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
