/**
 * The demo's story: never more than f = 1 faulty replica at a time, (1) a backup corrupts its
 * replies and the clients outvote it; (2) the primary equivocates and a view change replaces
 * it; (3) the new primary is killed with SIGKILL, another view change follows, and when it is
 * restarted it catches up by state transfer. Each step records what the replica did and how
 * the others noticed.
 */
import type { DemoCluster, ReplicaStats } from './cluster.js';

export interface FaultRecord {
  readonly replica: number;
  readonly did: string;
  readonly detected: string;
}

export interface ScenarioHooks {
  say(line: string): void;
  /** Let the workload run this long with a progress line. */
  run(seconds: number, label: string): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function leaderOf(cluster: DemoCluster): Promise<{ leader: number; view: number }> {
  const all = (await cluster.allStats()).filter((s): s is ReplicaStats => s !== undefined);
  const views = all.map((s) => s.view ?? 0);
  const view = Math.max(...views);
  const leader = all.find((s) => s.view === view)?.leader ?? 0;
  return { leader, view };
}

/** Polls until most replicas are in a view above `view`; returns the new view and leader. */
async function awaitViewChange(
  cluster: DemoCluster,
  view: number,
  timeoutMs: number,
): Promise<{ leader: number; view: number } | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const all = await cluster.allStats();
    const above = all.filter((s) => s !== undefined && (s.view ?? 0) > view);
    if (above.length >= cluster.n - 1) return leaderOf(cluster);
    await sleep(250);
  }
  return undefined;
}

/** Who suspected `node`, and why, according to the other replicas' counters. */
async function suspicionsOf(cluster: DemoCluster, node: number): Promise<string> {
  const codes = new Map<string, number>();
  for (const s of await cluster.allStats()) {
    for (const [k, v] of Object.entries(s?.suspicions ?? {})) {
      const [who, code] = k.split(':');
      if (Number(who) === node && code !== undefined) codes.set(code, (codes.get(code) ?? 0) + v);
    }
  }
  return [...codes].map(([code, v]) => `${code} ×${v}`).join(', ') || 'no suspicion recorded';
}

function outvotedOf(cluster: DemoCluster, replica: number): number {
  let total = 0;
  for (const c of cluster.clients.clients) total += c.outvoted.get(replica) ?? 0;
  return total;
}

export async function runScenario(cluster: DemoCluster, hooks: ScenarioHooks): Promise<FaultRecord[]> {
  const faults: FaultRecord[] = [];
  await hooks.run(6, 'normal operation');

  // 1. A backup lies to clients.
  const backup = ((await leaderOf(cluster)).leader + 2) % cluster.n;
  hooks.say(`replica ${backup} (a backup) turns Byzantine: every reply it sends to clients is corrupt`);
  const before = outvotedOf(cluster, backup);
  await cluster.inject(backup, ['corrupt-reply']);
  await hooks.run(6, `replica ${backup} corrupting replies`);
  await cluster.inject(backup, []);
  const outvoted = outvotedOf(cluster, backup) - before;
  hooks.say(`replica ${backup} repaired; clients outvoted ${outvoted} of its replies`);
  faults.push({
    replica: backup,
    did: 'sent corrupt results in its replies to clients',
    detected: `clients accepted only f+1 (2f+1 with unordered reads) matching replies and outvoted ${outvoted} of its replies`,
  });

  // 2. The primary equivocates.
  let { leader, view } = await leaderOf(cluster);
  hooks.say(`replica ${leader} (the primary of view ${view}) equivocates: it sends conflicting pre-prepares`);
  await cluster.inject(leader, ['equivocate']);
  const changed = await awaitViewChange(cluster, view, 30_000);
  await cluster.inject(leader, []);
  const why = await suspicionsOf(cluster, leader);
  hooks.say(
    changed
      ? `view change: view ${changed.view}, primary ${changed.leader}; replica ${leader} repaired`
      : 'no view change within 30 s',
  );
  faults.push({
    replica: leader,
    did: `as primary of view ${view}, sent conflicting pre-prepares to different backups`,
    detected: changed
      ? `backups stopped ordering, suspected it (${why}) and moved to view ${changed.view}`
      : `not replaced within 30 s (${why})`,
  });
  await hooks.run(4, 'after the view change');

  // 3. The new primary dies and comes back empty.
  ({ leader, view } = await leaderOf(cluster));
  hooks.say(`replica ${leader} (the primary of view ${view}) is killed with SIGKILL`);
  await cluster.kill(leader);
  const next = await awaitViewChange(cluster, view, 30_000);
  hooks.say(next ? `view change: view ${next.view}, primary ${next.leader}` : 'no view change within 30 s');
  await hooks.run(4, `replica ${leader} down`);
  hooks.say(`replica ${leader} restarts with no state`);
  await cluster.restart(leader);
  const caughtUp = await awaitCatchUp(cluster, leader, 30_000);
  faults.push({
    replica: leader,
    did: `crashed (SIGKILL) as primary of view ${view}, then restarted with an empty state`,
    detected: `${next ? `request timers fired and the others moved to view ${next.view}` : 'no view change'}; ${caughtUp}`,
  });
  await hooks.run(5, 'all replicas correct again');
  return faults;
}

/** Waits until the restarted replica has installed state and executes near the others. */
async function awaitCatchUp(cluster: DemoCluster, id: number, timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const all = await cluster.allStats();
    const me = all[id];
    const others = all.filter((s, i) => i !== id && s !== undefined).map((s) => (s as ReplicaStats).lastSeq);
    const installs = me?.counters.stateInstalls ?? 0;
    if (me !== undefined && installs > 0 && me.lastSeq >= Math.min(...others) - 256) {
      return `it caught up by state transfer (${installs} checkpoint install(s)), now at seq ${me.lastSeq}`;
    }
    await sleep(250);
  }
  return 'it had not caught up within 30 s';
}
