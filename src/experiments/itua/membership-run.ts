/**
 * One run of the membership experiment: a group of n member processes over TCP, some traffic,
 * the scenario's faults, and the time each correct member takes to install a view without every
 * faulty member, measured as the paper does (seed 003, "Results for Group Membership"): at each
 * correct member, from the moment it detected the fault (it held f+1 Suspects and started the
 * installation) to its installation of that view, averaged over the correct members.
 *
 * Each run first warms up: the group starts with one member more, which leaves once the traffic
 * runs, so that every member has gone through one whole view installation (every phase, and a new
 * stack) before the measured one. A C stack has no JIT to warm; without this the measured
 * installation would be the first time each process runs that code (and compiles it), which cost
 * 2-3 times the installation itself at n = 10. The group measured has n members, ranked as before.
 */
import { maxFaults } from '../../core/quorum.js';
import { paperTimeouts } from '../../protocols/itua/index.js';
import { launchGroup, type GroupHandle } from '../../runtime/group/launch.js';
import type { GroupReport } from '../../runtime/group/member-process.js';
import { freshCluster, launchMembers, RunFailed } from '../launch.js';
import type { CrashMembershipSetup, TimedMembershipEvent } from './crash-membership-member.js';
import { nodeOf, type Scenario } from './membership-scenarios.js';

/** itua: the full stack (the paper's gmp-reliable-total); itua-nocrypto: its dummy_crypt; crash-only: C-Ensemble. */
export type MembershipStack = 'itua' | 'itua-nocrypto' | 'crash-only';
export type TimeoutSetting = 'paper' | 'ours';

/**
 * The paper's 4-second timeouts for every timeout-based detection: the membership layer's (its
 * `paperTimeouts`) and the stack's (stability arrays, stalled total order), by name.
 */
export const PAPER_TIMEOUTS: Readonly<Record<string, number>> = {
  ...paperTimeouts,
  stabilityTimeoutMs: 4_000,
  stallMs: 4_000,
};

export interface MembershipCell {
  readonly stack: MembershipStack;
  readonly scenario: Scenario;
  readonly timeouts: TimeoutSetting;
  readonly n: number;
}

export interface MembershipCellResult {
  /** Mean over correct members of the paper's installation time: from its own detection to its installation. */
  readonly installMs: number;
  /** Mean over correct members of installation minus the moment f+1 correct members had suspected a faulty one. */
  readonly sinceSuspectedMs: number;
  /** Mean over correct members of installation minus the injection of the first fault. */
  readonly sinceInjectMs: number;
  /** Views installed after view 0 at a correct member (more than one: transitional views). */
  readonly views: number;
}

interface Timed {
  readonly id: number;
  readonly atMs: number;
}

const wallMs = () => performance.timeOrigin + performance.now();

/** The members' application multicasts this often during a run. */
const TRAFFIC_MS = 300;

/** Marks the multicasts that show a run settled after its warm-up (traffic sends two bytes). */
const MARK = 0x6d;

/** Detection: the time by which f+1 correct members suspected a faulty one (one, for crash-only). */
function detectedAt(suspicions: readonly Timed[], quorum: number, injectAt: number): number {
  const first = new Map<number, number>();
  for (const s of suspicions) if (s.atMs >= injectAt && !first.has(s.id)) first.set(s.id, s.atMs);
  const times = [...first.values()].sort((a, b) => a - b);
  return times[Math.min(quorum, times.length) - 1] ?? injectAt;
}

/** `own`: each member's installation time measured from its own detection. */
function summarize(
  installs: readonly (Timed & { readonly own: number })[],
  detect: number,
  injectAt: number,
  views: number,
): MembershipCellResult {
  const mean = (f: (t: Timed & { own: number }) => number) =>
    installs.reduce((a, t) => a + f(t), 0) / installs.length;
  return {
    installMs: mean((t) => t.own),
    sinceSuspectedMs: mean((t) => t.atMs - detect),
    sinceInjectMs: mean((t) => t.atMs - injectAt),
    views,
  };
}

/** A rejection handler: what went wrong in `what` fails the run (RunFailed), saying so. */
function failsRun(what: string): (e: unknown) => never {
  return (e) => {
    throw new RunFailed(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  };
}

async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = wallMs() + timeoutMs;
  while (!done()) {
    if (wallMs() > until) throw new RunFailed(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function runMembershipCell(
  c: MembershipCell,
  runTimeoutMs: number,
): Promise<MembershipCellResult> {
  return c.stack === 'crash-only' ? runCrashOnly(c, runTimeoutMs) : runItua(c, runTimeoutMs);
}

async function runItua(c: MembershipCell, runTimeoutMs: number): Promise<MembershipCellResult> {
  // Members 0..n-1 are the group measured; member n only warms the others up (it leaves).
  const g = await launchGroup({
    n: c.n + 1,
    crypto: c.stack === 'itua' ? 'real' : 'none',
    tuning: c.timeouts === 'paper' ? PAPER_TIMEOUTS : undefined,
  });
  const ids = g.members.map((m) => m.id).filter((id) => id < c.n);
  const traffic = new Traffic(g);
  try {
    const faulty = c.scenario.faults.map((x) => nodeOf(x.role, c.n));
    const correct = ids.filter((id) => !faulty.includes(id));
    // The paper's scenario: the members multicast for a few rounds, then the faults strike while
    // they go on (a mutant member must multicast to be caught; an order-impeding one stops, and is
    // caught when the others' ordered messages wait for null messages it does not send).
    await traffic.round(ids, 3).catch(failsRun('before the faults'));
    traffic.keepGoing(ids);
    await warmUp(g, ids, c.n, runTimeoutMs);
    await traffic.settle(ids, runTimeoutMs);
    const injectAt = wallMs();
    for (const { role, fault } of c.scenario.faults) {
      const id = nodeOf(role, c.n);
      // Seed 003: an order-impeding member "does not send the required null messages when
      // application-level multicasts are stopped"; while it multicasts like the others, the order
      // needs no null message from it (total.ts), so its application stops.
      if (fault === 'impede-total-order') traffic.silence(id);
      await g.inject(id, [fault]);
    }
    const excludesAll = (members: readonly number[]) => faulty.every((f) => !members.includes(f));
    const install = (id: number) =>
      g.members[id]?.reports.find((t) => t.report.kind === 'view' && excludesAll(t.report.view.members));
    // A view without a correct member means timeouts fired on a member that was only slow (a
    // loaded machine): the run is void, and said so at once rather than at the run's timeout.
    const wronged = () =>
      correct.find((id) =>
        g.members[id]?.reports.some(
          (t) =>
            t.report.kind === 'excluded' || (t.report.kind === 'view' && !t.report.view.members.includes(id)),
        ),
      );
    const installed = () => {
      const w = wronged();
      if (w !== undefined)
        throw new RunFailed(`correct member ${w} was excluded (timeouts too short for this load)`);
      return correct.every((id) => install(id) !== undefined);
    };
    await waitUntil(installed, runTimeoutMs, 'no view without the faulty members');
    const suspicions = correct.flatMap((id) =>
      (g.members[id]?.reports ?? [])
        .filter((t) => t.report.kind === 'suspect' && faulty.includes(t.report.node))
        .map((t) => ({ id, atMs: t.atMs })),
    );
    const installs = correct.map((id) => {
      const t = install(id);
      return { id, atMs: t?.atMs ?? NaN, own: t?.report.kind === 'view' ? (t.report.installMs ?? NaN) : NaN };
    });
    // Views after the warm-up's (view 1): more than one means transitional views.
    const views = (g.members[correct[0] ?? 0]?.reports ?? []).filter(
      (t) => t.report.kind === 'view' && t.report.view.id > 1,
    ).length;
    const detect = detectedAt(suspicions, maxFaults('byzantine', c.n) + 1, injectAt);
    return summarize(installs, detect, injectAt, views);
  } finally {
    traffic.stop();
    await g.stop();
  }
}

/** The warm-up: member `extra` leaves, and every member of `ids` installs the view without it. */
async function warmUp(
  g: GroupHandle,
  ids: readonly number[],
  extra: number,
  timeoutMs: number,
): Promise<void> {
  g.members[extra]?.leave();
  await Promise.all(
    ids.map((id) =>
      g.members[id]?.waitFor((r) => r.kind === 'view' && !r.view.members.includes(extra), timeoutMs),
    ),
  ).catch(failsRun('warm-up (a member leaving)'));
}

/** The application's multicasts during a run (totally ordered, as in the paper's stack). */
class Traffic {
  private stopped = false;
  private readonly busy = new Set<number>();
  private readonly silenced = new Set<number>();
  private sent = 0;

  constructor(private readonly g: GroupHandle) {}

  async round(ids: readonly number[], perMember: number): Promise<void> {
    await Promise.all(ids.flatMap((id) => Array.from({ length: perMember }, () => this.one(id))));
  }

  /** One multicast per running member every TRAFFIC_MS, skipping a member still busy with its last. */
  keepGoing(ids: readonly number[]): void {
    const tick = () => {
      if (this.stopped) return;
      for (const id of ids) {
        if (this.busy.has(id) || this.silenced.has(id) || this.g.members[id]?.running !== true) continue;
        this.busy.add(id);
        void this.one(id)
          .catch(() => {})
          .finally(() => this.busy.delete(id));
      }
      setTimeout(tick, TRAFFIC_MS);
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
  }

  /** This member's application multicasts no more. */
  silence(id: number): void {
    this.silenced.add(id);
  }

  /**
   * After the warm-up, wait for the group's steady pace: one marked multicast from each member,
   * delivered at every member. Total order delivers them after everything multicast before them,
   * which includes the warm-up's backlog (the multicasts its installation cut off, resent by
   * every member at once in the new view). Injected sooner, the faults struck in that burst.
   */
  async settle(ids: readonly number[], timeoutMs: number): Promise<void> {
    const marked = (id: number) => Uint8Array.of(MARK, MARK, id);
    const isMark = (id: number) => (r: GroupReport) =>
      r.kind === 'deliver' && r.data.length === 3 && r.data[0] === MARK && r.data[2] === id;
    await Promise.all(ids.map((id) => this.g.members[id]?.multicast(marked(id), 'total')))
      .then(() =>
        Promise.all(ids.flatMap((at) => ids.map((id) => this.g.members[at]?.waitFor(isMark(id), timeoutMs)))),
      )
      .catch(failsRun('settling after the warm-up'));
  }

  private async one(id: number): Promise<void> {
    await this.g.members[id]?.multicast(Uint8Array.of(id, this.sent++ & 0xff), 'total');
  }
}

async function runCrashOnly(c: MembershipCell, runTimeoutMs: number): Promise<MembershipCellResult> {
  // As for ITUA, one member more warms the others up: here it crashes (the baseline has no leave).
  const cluster = await freshCluster(c.n + 1, 'none');
  const setups: CrashMembershipSetup[] = cluster.privates.map((self) => ({
    kind: 'crash-membership',
    spec: cluster.spec,
    self,
    tuning: c.timeouts === 'paper' ? { suspectMs: 4_000 } : undefined,
  }));
  const group = await launchMembers(setups);
  const events: TimedMembershipEvent[] = [];
  group.children.forEach((child) =>
    child.on('message', (m: TimedMembershipEvent) => m.kind === 'cm-event' && events.push(m)),
  );
  try {
    const faulty = c.scenario.faults.map((x) => nodeOf(x.role, c.n));
    const ids = cluster.privates.map((p) => p.id).filter((id) => id < c.n);
    const correct = ids.filter((id) => !faulty.includes(id));
    const without = (gone: readonly number[]) => (e: TimedMembershipEvent) =>
      e.event.kind === 'view' &&
      gone.every((f) => !(e.event.kind === 'view' && e.event.view.members.includes(f)));
    // Every member hears every other before the crash (the paper injects after rounds of traffic).
    await new Promise((r) => setTimeout(r, 400));
    // The warm-up: member n crashes, and the others install the view without it.
    group.send(c.n, { kind: 'crash' });
    await waitUntil(
      () => ids.every((id) => events.some((e) => e.id === id && without([c.n])(e))),
      runTimeoutMs,
      'warm-up: no view without the crashed extra member',
    );
    const injectAt = wallMs();
    for (const id of faulty) group.send(id, { kind: 'crash' });
    const excludesAll = without(faulty);
    const install = (id: number) => events.find((e) => e.id === id && excludesAll(e));
    await waitUntil(
      () => correct.every((id) => install(id) !== undefined),
      runTimeoutMs,
      'no view without the crashed members',
    );
    const suspicions = events.filter((e) => e.event.kind === 'suspected' && correct.includes(e.id));
    const wrong = suspicions.find((e) => e.event.kind === 'suspected' && correct.includes(e.event.node));
    if (wrong !== undefined)
      throw new RunFailed(`member ${wrong.id} suspected a correct member (the machine is too loaded)`);
    // One suspicion starts the baseline's installation everywhere: each member's time runs from it.
    const detect = detectedAt(
      suspicions.filter((e) => e.event.kind === 'suspected' && faulty.includes(e.event.node)),
      1,
      injectAt,
    );
    const installs = correct.map((id) => {
      const atMs = install(id)?.atMs ?? NaN;
      return { id, atMs, own: atMs - detect };
    });
    // Views after the warm-up's (view 1): more than one means transitional views.
    const views = events.filter(
      (e) => e.id === correct[0] && e.event.kind === 'view' && e.event.view.id > 1,
    ).length;
    return summarize(installs, detect, injectAt, views);
  } finally {
    await group.stop();
  }
}
