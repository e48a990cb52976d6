/**
 * The fault scenarios of seed 003's "Results for Group Membership": single faults (crash, mutant
 * message, impede total ordering) at a non-leader; double faults (n ≥ 7): a crash at a non-leader
 * and a second fault (a crash, a mutant member, or a Table III fault at the leader that strikes
 * during the installation); triple faults (n ≥ 10): a crash and Table III faults at the leader and
 * at its deputy, with none, one or two timeout-based detections (Figure 9's three clusters).
 */

/** Who is struck, by role in view 0: the leader (rank 0), its deputy (rank 1), or a non-leader. */
export type Role = 'leader' | 'deputy' | 'member' | 'member2';

export interface Scenario {
  readonly name: string;
  /** Faults in the order they are injected (Byzantine behaviours first, crashes last). */
  readonly faults: readonly { readonly role: Role; readonly fault: string }[];
  /** How many of its detections need a timeout to expire (the paper's clusters). */
  readonly timeouts: number;
  /** Whether the crash-only baseline can take part (crash faults only). */
  readonly crashOnly: boolean;
}

const crash = { role: 'member', fault: 'crash' } as const;

const single: Scenario[] = [
  { name: 'crash', faults: [crash], timeouts: 0, crashOnly: true },
  { name: 'mutant', faults: [{ role: 'member', fault: 'mutant' }], timeouts: 0, crashOnly: false },
  {
    name: 'impede-total-order',
    faults: [{ role: 'member', fault: 'impede-total-order' }],
    timeouts: 0,
    crashOnly: false,
  },
];

/** Table III, with whether the leader's fault is found by a timeout. */
const tableIII: readonly [string, number][] = [
  ['bad-new-view', 0],
  ['new-view-timeout', 1],
  ['bad-commit', 0],
  ['commit-timeout', 1],
  ['ready-to-switch-timeout', 1],
  ['impede-stabilization', 1],
];

const double: Scenario[] = [
  { name: 'crash+crash', faults: [{ role: 'member2', fault: 'crash' }, crash], timeouts: 0, crashOnly: true },
  // The paper puts this one in its middle cluster (one timeout): "The mutant message is detected
  // first, and part of the timeout for the crash is subsumed in the transitional view
  // installation". Here too: the proposal that removes the mutant keeps the crashed member, whose
  // Ready-to-Switch never comes, and that phase's timeout finds it.
  {
    name: 'crash+mutant',
    faults: [{ role: 'member2', fault: 'mutant' }, crash],
    timeouts: 1,
    crashOnly: false,
  },
  ...tableIII.map(([fault, timeouts]) => ({
    name: `crash+${fault}`,
    faults: [{ role: 'leader', fault } as const, crash],
    timeouts,
    crashOnly: false,
  })),
];

const triple: Scenario[] = [
  ['bad-new-view', 'bad-commit', 0],
  ['new-view-timeout', 'bad-commit', 1],
  ['new-view-timeout', 'commit-timeout', 2],
].map(([leader, deputy, timeouts]) => ({
  name: `crash+${String(leader)}+${String(deputy)}`,
  faults: [{ role: 'leader', fault: String(leader) }, { role: 'deputy', fault: String(deputy) }, crash],
  timeouts: Number(timeouts),
  crashOnly: false,
}));

export const SCENARIOS: readonly Scenario[] = [...single, ...double, ...triple];

/** The faults a scenario needs: 1, 2 or 3, hence the smallest group (3f+1) that tolerates them. */
export function minGroupSize(s: Scenario): number {
  return 3 * s.faults.length + 1;
}

export function nodeOf(role: Role, n: number): number {
  switch (role) {
    case 'leader':
      return 0;
    case 'deputy':
      return 1;
    case 'member':
      return n - 1;
    case 'member2':
      return n - 2;
  }
}
