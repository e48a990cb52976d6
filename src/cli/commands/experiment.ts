/**
 * `bulwark experiment <name>`: reproduce a paper's experiment over real processes and write its
 * CSV, SVG figures and markdown table into `--out` (the table is printed too). Seed 003's
 * Figure 5 is `itua-delivery`, its Figures 6 to 9 `itua-membership`.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { SIGNATURE_ALGORITHMS } from '../../crypto/rsa-suite.js';
import { writeExperiment, type ExperimentFiles } from '../../experiments/framework.js';
import { deliveryDefaults, runDeliveryExperiment } from '../../experiments/itua/delivery.js';
import type { DeliveryCrypto } from '../../experiments/itua/delivery-run.js';
import {
  membershipDefaults,
  runMembershipExperiment,
  type TimeoutSetting,
} from '../../experiments/itua/membership.js';
import type { MembershipStack } from '../../experiments/itua/membership-run.js';
import { SCENARIOS } from '../../experiments/itua/membership-scenarios.js';
import { int, oneOf, positive } from '../parse.js';

const names = ['itua-delivery', 'itua-membership'] as const;

interface ExperimentFlags {
  out: string;
  sizes?: number[];
  reps?: number;
  crypto?: DeliveryCrypto[];
  initCasts?: number;
  rounds?: number;
  timeouts?: TimeoutSetting[];
  faults?: string[];
  stacks?: MembershipStack[];
  runTimeout?: number;
  progress: boolean;
}

/** "4..10" or "4,7,10": group sizes between 4 and 16. */
function sizeList(value: string): number[] {
  const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(value);
  const sizes = range
    ? Array.from(
        { length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) },
        (_, i) => Number(range[1]) + i,
      )
    : value.split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 4 || n > 16)) {
    throw new InvalidArgumentError('expected sizes like 4..10 or 4,7,10, each in 4..16');
  }
  return sizes;
}

function listOf<const T extends readonly string[]>(values: T) {
  const one = oneOf(values);
  return (value: string): T[number][] => value.split(',').map((s) => one(s.trim()));
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description(
      "reproduce a paper's experiment over real processes: itua-delivery (seed 003 Fig. 5), itua-membership (Figs. 6-9)",
    )
    .argument('<name>', `one of ${names.join(', ')}`, oneOf(names))
    .option('--out <dir>', 'directory for the CSV, SVG and markdown files', 'experiment-results')
    .option('--sizes <list>', 'group sizes, e.g. 4..10 or 4,7,10', sizeList)
    .option('--reps <count>', 'repetitions of each cell; medians are reported', int(1, 20))
    .option(
      '--crypto <list>',
      `itua-delivery: none,${SIGNATURE_ALGORITHMS.join(',')}`,
      listOf(['none', ...SIGNATURE_ALGORITHMS] as const),
    )
    .option('--init-casts <count>', "itua-delivery: the paper's num_init_casts", int(1, 100))
    .option(
      '--rounds <count>',
      'itua-delivery: end at this many × n messages received (paper: 10)',
      int(2, 1000),
    )
    .option(
      '--timeouts <list>',
      'itua-membership: paper (4 s), ours, or both',
      listOf(['paper', 'ours'] as const),
    )
    .option(
      '--faults <list>',
      `itua-membership: fault scenarios (default all: ${SCENARIOS.map((x) => x.name).join(', ')})`,
      listOf(SCENARIOS.map((x) => x.name)),
    )
    .option(
      '--stacks <list>',
      'itua-membership: itua, itua-nocrypto, crash-only',
      listOf(['itua', 'itua-nocrypto', 'crash-only'] as const),
    )
    .option('--run-timeout <seconds>', 'give up on one run after this long', positive)
    .option('--no-progress', 'no progress line on stderr')
    .action(async (name: (typeof names)[number], flags: ExperimentFlags) => {
      const files = name === 'itua-delivery' ? await delivery(flags) : await membership(flags);
      const paths = await writeExperiment(flags.out, files);
      process.stdout.write(`${files.markdown}\nwrote ${paths.join(', ')}\n`);
    });
}

function delivery(flags: ExperimentFlags): Promise<ExperimentFiles> {
  const d = deliveryDefaults;
  return runDeliveryExperiment({
    sizes: flags.sizes ?? d.sizes,
    cryptos: flags.crypto ?? d.cryptos,
    reps: flags.reps ?? d.reps,
    workload: {
      ...d.workload,
      initCasts: flags.initCasts ?? d.workload.initCasts,
      roundsMax: flags.rounds ?? d.workload.roundsMax,
    },
    runTimeoutMs: flags.runTimeout === undefined ? d.runTimeoutMs : flags.runTimeout * 1000,
    progress: flags.progress,
  });
}

function membership(flags: ExperimentFlags): Promise<ExperimentFiles> {
  const d = membershipDefaults;
  return runMembershipExperiment({
    ...d,
    sizes: flags.sizes ?? d.sizes,
    reps: flags.reps ?? d.reps,
    timeouts: flags.timeouts ?? d.timeouts,
    scenarios: flags.faults ?? d.scenarios,
    stacks: flags.stacks ?? d.stacks,
    runTimeoutMs: flags.runTimeout === undefined ? d.runTimeoutMs : flags.runTimeout * 1000,
    progress: flags.progress,
  });
}
