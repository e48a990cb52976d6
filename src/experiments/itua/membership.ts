/**
 * `bulwark experiment itua-membership`: seed 003's Figures 6 to 9 over TCP, one process per member
 * on loopback: view installation times for single, double and triple faults, with and without
 * cryptography, against a crash-only membership baseline, with our timeouts and with the paper's
 * 4-second ones.
 */
import { markdownTable } from '../../report/markdown.js';
import { barChart, lineChart } from '../../report/svg-chart.js';
import { cell, median, runExperiment, type CellOutcome, type ExperimentFiles } from '../framework.js';
import {
  runMembershipCell,
  type MembershipCell,
  type MembershipCellResult,
  type MembershipStack,
  type TimeoutSetting,
} from './membership-run.js';
import { minGroupSize, SCENARIOS, type Scenario } from './membership-scenarios.js';

export type { TimeoutSetting } from './membership-run.js';

export interface MembershipOptions {
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly timeouts: readonly TimeoutSetting[];
  /** Scenario names (membership-scenarios.ts); all by default. */
  readonly scenarios: readonly string[];
  /** The stacks to run (all three by default). */
  readonly stacks: readonly MembershipStack[];
  readonly runTimeoutMs: number;
  readonly progress: boolean;
}

export const membershipDefaults: MembershipOptions = {
  sizes: [4, 7, 10],
  reps: 1,
  timeouts: ['ours', 'paper'],
  scenarios: SCENARIOS.map((s) => s.name),
  stacks: ['itua', 'itua-nocrypto', 'crash-only'],
  runTimeoutMs: 15_000,
  progress: true,
};

const STACK_NAMES: Record<MembershipStack, string> = {
  itua: 'ITUA',
  'itua-nocrypto': 'ITUA, crypto off',
  'crash-only': 'crash-only (C-Ensemble)',
};

/**
 * The grid, sized for ten minutes on two cores: every scenario at every size that tolerates its
 * faults on the full stack with our timeouts; crypto off too for single faults and for the double
 * faults of crashes and mutants (Figure 7 compares them; `--stacks` and `--faults` ask for more); the crash-only
 * baseline for crash faults (Figure 6); and the paper's 4-second timeouts at the largest size,
 * for a single crash and wherever a detection needs a timeout (Figures 8 and 9).
 */
/** Double faults also run with crypto off by default. */
const WITHOUT_CRYPTO = ['crash+crash', 'crash+mutant'];

export function membershipCells(o: MembershipOptions): MembershipCell[] {
  const cells: MembershipCell[] = [];
  const nMax = Math.max(...o.sizes);
  for (const scenario of SCENARIOS.filter((s) => o.scenarios.includes(s.name))) {
    for (const n of o.sizes.filter((n) => n >= minGroupSize(scenario))) {
      const stacks = o.stacks.filter(
        (s) =>
          s === 'itua' ||
          (s === 'crash-only' && scenario.crashOnly) ||
          (s === 'itua-nocrypto' && (scenario.faults.length === 1 || WITHOUT_CRYPTO.includes(scenario.name))),
      );
      if (o.timeouts.includes('ours'))
        for (const stack of stacks) cells.push({ stack, scenario, timeouts: 'ours', n });
      const paper = (scenario.timeouts > 0 || scenario.name === 'crash') && n === nMax;
      if (o.timeouts.includes('paper') && paper && o.stacks.includes('itua')) {
        cells.push({ stack: 'itua', scenario, timeouts: 'paper', n });
      }
    }
  }
  return cells;
}

function label(c: MembershipCell): string {
  return `n=${c.n} ${c.scenario.name} ${STACK_NAMES[c.stack]} (${c.timeouts} timeouts)`;
}

export async function runMembershipExperiment(o: MembershipOptions): Promise<ExperimentFiles> {
  const outcomes = await runExperiment({
    name: 'itua-membership',
    cells: membershipCells(o),
    reps: o.reps,
    // With 4-second timeouts a run needs a detection and up to two timeouts: more time.
    run: (c) =>
      runMembershipCell(c, c.timeouts === 'paper' ? Math.max(o.runTimeoutMs, 30_000) : o.runTimeoutMs),
    label,
    progress: { enabled: o.progress },
  });
  return membershipFiles(o, outcomes);
}

type Outcome = CellOutcome<MembershipCell, MembershipCellResult>;

interface Line {
  readonly scenario: string;
  readonly stack: MembershipStack;
  readonly timeouts: TimeoutSetting;
}

function pick(
  outcomes: readonly Outcome[],
  l: Line,
  n: number,
  f = (r: MembershipCellResult) => r.installMs,
): number {
  const rs = outcomes.filter(
    (x) =>
      x.cell.scenario.name === l.scenario &&
      x.cell.stack === l.stack &&
      x.cell.timeouts === l.timeouts &&
      x.cell.n === n,
  );
  return median(rs.flatMap((x) => (x.result === undefined ? [] : [f(x.result)])));
}

function lineName(l: Line): string {
  return `${l.scenario}, ${STACK_NAMES[l.stack]}${l.timeouts === 'paper' ? ', 4 s timeouts' : ''}`;
}

/** The lines that have at least one measured or failed run, in grid order. */
function linesOf(outcomes: readonly Outcome[]): Line[] {
  const seen = new Map<string, Line>();
  for (const x of outcomes) {
    const l = { scenario: x.cell.scenario.name, stack: x.cell.stack, timeouts: x.cell.timeouts };
    seen.set(lineName(l), l);
  }
  return [...seen.values()];
}

export function membershipFiles(o: MembershipOptions, outcomes: readonly Outcome[]): ExperimentFiles {
  const header = [
    'scenario',
    'faults',
    'timeouts_needed',
    'stack',
    'timeouts',
    'n',
    'rep',
    'install_ms',
    'since_suspected_ms',
    'since_inject_ms',
    'views',
    'error',
  ];
  const rows = outcomes.map((x) => [
    x.cell.scenario.name,
    x.cell.scenario.faults.length,
    x.cell.scenario.timeouts,
    x.cell.stack,
    x.cell.timeouts,
    x.cell.n,
    x.rep,
    x.result?.installMs.toFixed(2),
    x.result?.sinceSuspectedMs.toFixed(2),
    x.result?.sinceInjectMs.toFixed(2),
    x.result?.views,
    x.error ?? '',
  ]);
  return {
    name: 'itua-membership',
    csv: { header, rows },
    figures: membershipFigures(o, outcomes),
    markdown: membershipMarkdown(o, outcomes),
  };
}

function chart(
  o: MembershipOptions,
  outcomes: readonly Outcome[],
  title: string,
  keep: (l: Line) => boolean,
): string {
  return lineChart({
    title,
    xLabel: 'group size n',
    yLabel: 'view installation time (ms)',
    logY: true,
    series: linesOf(outcomes)
      .filter(keep)
      .map((l) => ({ name: lineName(l), points: o.sizes.map((n) => [n, pick(outcomes, l, n)] as const) })),
  });
}

function byName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

function membershipFigures(o: MembershipOptions, outcomes: readonly Outcome[]): ExperimentFiles['figures'] {
  const faults = (l: Line) => byName(l.scenario)?.faults.length ?? 0;
  const nMax = Math.max(...o.sizes);
  return [
    {
      suffix: 'fig6a',
      svg: chart(
        o,
        outcomes,
        'Fig. 6(a) single crash',
        (l) => l.scenario === 'crash' && l.timeouts === 'ours',
      ),
    },
    {
      suffix: 'fig6b',
      svg: chart(
        o,
        outcomes,
        'Fig. 6(b) double crash',
        (l) => l.scenario === 'crash+crash' && l.timeouts === 'ours',
      ),
    },
    {
      suffix: 'fig7a',
      svg: chart(
        o,
        outcomes,
        'Fig. 7(a) single faults, with and without crypto',
        (l) => faults(l) === 1 && l.stack !== 'crash-only' && l.timeouts === 'ours',
      ),
    },
    {
      suffix: 'fig7b',
      svg: chart(
        o,
        outcomes,
        'Fig. 7(b) double faults, with and without crypto',
        (l) => faults(l) === 2 && l.stack !== 'crash-only' && l.timeouts === 'ours',
      ),
    },
    {
      suffix: 'fig8',
      svg: chart(
        o,
        outcomes,
        'Fig. 8 single and double faults (ITUA, 4 s timeouts)',
        (l) => l.stack === 'itua' && l.timeouts === 'paper' && faults(l) <= 2,
      ),
    },
    {
      suffix: 'fig9',
      svg: timeoutBars(outcomes, nMax),
    },
  ];
}

/** Figure 9's point: each scenario at the largest n, with our timeouts and with the paper's. */
function timeoutBars(outcomes: readonly Outcome[], n: number): string {
  const scenarios = [
    ...new Set(
      linesOf(outcomes)
        .filter((l) => l.stack === 'itua')
        .map((l) => l.scenario),
    ),
  ];
  return barChart({
    title: `Fig. 9 timeouts in transitional views (ITUA, n = ${n})`,
    yLabel: 'view installation time (ms)',
    categories: scenarios,
    series: (['ours', 'paper'] as const).map((timeouts) => ({
      name: timeouts === 'paper' ? '4 s timeouts (paper)' : 'our timeouts',
      values: scenarios.map((scenario) => pick(outcomes, { scenario, stack: 'itua', timeouts }, n)),
    })),
  });
}

function membershipMarkdown(o: MembershipOptions, outcomes: readonly Outcome[]): string {
  const lines = linesOf(outcomes);
  const table = markdownTable(
    ['scenario', 'faults', 'timeouts needed', 'stack', 'timeouts', ...o.sizes.map((n) => `n=${n}`)],
    lines.map((l) => [
      l.scenario,
      byName(l.scenario)?.faults.length,
      byName(l.scenario)?.timeouts,
      STACK_NAMES[l.stack],
      l.timeouts === 'paper' ? '4 s (paper)' : 'ours',
      ...o.sizes.map((n) => cell(pick(outcomes, l, n))),
    ]),
  );
  const nMax = Math.max(...o.sizes);
  // The target is about one installation: a single fault found from evidence or a crash, no timeout
  // (a double or triple fault adds the detection of the next fault and transitional views).
  const fast = lines.filter(
    (l) =>
      l.stack === 'itua' &&
      l.timeouts === 'ours' &&
      byName(l.scenario)?.timeouts === 0 &&
      byName(l.scenario)?.faults.length === 1,
  );
  const worst = Math.max(...fast.map((l) => pick(outcomes, l, nMax)).filter((x) => Number.isFinite(x)));
  const failed = outcomes.filter((x) => x.error !== undefined);
  return [
    '# ITUA group membership (seed 003, Figures 6 to 9)',
    '',
    `View installation time in ms as seed 003 measures it: at each correct member, from its detection of the fault (it holds f+1 Suspects and starts the installation) ` +
      `to its installation of a view without every faulty member; mean over correct members, median of ${o.reps} run(s); one process per member over TCP on loopback, ` +
      `after one unmeasured warm-up installation (a member leaves). The CSV also has the time from the moment f+1 correct members had suspected a faulty one (since_suspected_ms). ` +
      `"Timeouts needed": how many of the scenario's detections wait for a timeout to expire.`,
    '',
    table,
    '',
    Number.isFinite(worst)
      ? `Target (a view installation that needs no timeout completes in under 50 ms at n = ${nMax}, ITUA with crypto; single faults): slowest such scenario ${worst.toFixed(1)} ms: ${worst < 50 ? 'met' : 'NOT met'}.`
      : `Target not measured: no run of the full stack without timeouts completed at n = ${nMax}.`,
    '',
    failed.length === 0
      ? 'No run failed.'
      : `Failed runs: ${failed.map((x) => `${label(x.cell)}: ${x.error ?? ''}`).join('; ')}`,
    '',
  ].join('\n');
}
