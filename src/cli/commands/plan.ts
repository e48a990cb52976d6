/**
 * `bulwark plan`: the configuration manager's decision for a QoS, with its reasons. It exits 0
 * with a deployment, 3 when the hosts cannot meet the QoS, and 69 (as the commands not available
 * yet) when the protocol the QoS needs is not built yet; 2 is a usage error, as elsewhere.
 */
import type { Command } from 'commander';
import type { GenerateClusterOptions } from '../../config/cluster-gen.js';
import { describeFaults, plan, type Plan } from '../../config/planner.js';
import {
  CONSISTENCIES,
  parseQos,
  PRIORITIES,
  QOS_FAULTS_MAX,
  TIMING_MODELS,
  type Qos,
} from '../../config/qos.js';
import { limits } from '../../core/limits.js';
import { printJson } from '../output.js';
import { fail, int, oneOf } from '../parse.js';

export const PLAN_EXIT_REFUSED = 3;
export const PLAN_EXIT_UNAVAILABLE = 69;

interface PlanFlags {
  byzantine?: number;
  crash?: number;
  hosts?: number;
  timing?: string;
  consistency?: string;
  priority?: string;
  json: boolean;
}

/** The QoS options, shared with `bulwark keygen`, which can plan its cluster from them. */
export function qosOptions(command: Command): Command {
  return command
    .option('--byzantine <count>', 'Byzantine faults to tolerate (default 0)', int(0, QOS_FAULTS_MAX))
    .option(
      '--crash <count>',
      'crash faults to tolerate besides the Byzantine ones (default 0)',
      int(0, QOS_FAULTS_MAX),
    )
    .option('--timing <model>', 'partial-sync (default) or async', oneOf(TIMING_MODELS))
    .option('--consistency <level>', 'strong (default) or best-effort', oneOf(CONSISTENCIES))
    .option('--priority <what>', 'throughput (default) or latency', oneOf(PRIORITIES));
}

/** A QoS from the flags, or undefined when none of them was given. */
export function qosFromFlags(flags: object, hosts?: number): Qos | undefined {
  const given = flags as Record<string, unknown>;
  const keys = ['byzantine', 'crash', 'timing', 'consistency', 'priority'];
  if (keys.every((k) => given[k] === undefined)) return undefined;
  const raw: Record<string, unknown> = { hosts };
  for (const k of keys) raw[k] = given[k];
  const qos = parseQos(raw);
  if (!qos.ok) fail(qos.error.join('; '), 2);
  return qos.value;
}

export function registerPlan(program: Command): void {
  qosOptions(
    program
      .command('plan')
      .description('derive a deployment (protocol, n, f, quorums, batching, timers) from QoS requirements'),
  )
    .option(
      '--hosts <count>',
      'hosts available (default: say how many are needed)',
      int(1, limits.membersMax),
    )
    .option('--json', 'machine-readable output', false)
    .action((flags: PlanFlags) => {
      const qos = qosFromFlags({ ...flags, byzantine: flags.byzantine ?? 0 }, flags.hosts) as Qos;
      const decision = plan(qos);
      if (flags.json) printJson({ qos, ...decision });
      else console.log(formatPlan(qos, decision));
      if (!decision.ok)
        process.exitCode = decision.code === 'unavailable' ? PLAN_EXIT_UNAVAILABLE : PLAN_EXIT_REFUSED;
    });
}

export function formatPlan(qos: Qos, decision: Plan): string {
  const hosts =
    qos.hosts === undefined ? 'hosts not given' : `${qos.hosts} host${qos.hosts === 1 ? '' : 's'}`;
  const head = `QoS: ${describeFaults(qos)}, ${qos.timing}, ${qos.consistency} consistency, ${qos.priority} priority, ${hosts}`;
  const why = decision.reasons.map((r) => `  - ${r}`).join('\n');
  if (!decision.ok) return `${head}\n\nrefused: ${decision.refused}\n\nwhy:\n${why}`;
  const d = decision.deployment;
  const tolerates = d.faultModel === 'none' ? 'no fault tolerance' : `f = ${d.f}, ${d.faultModel} faults`;
  const replies = `${d.replyQuorum} matching repl${d.replyQuorum === 1 ? 'y' : 'ies'}`;
  const rows: [string, string][] = [
    ['protocol', d.protocol],
    ['replicas', `${d.n} (${tolerates})`],
    ['quorum', `${d.quorum} of ${d.n}; a client accepts ${replies}`],
    ['spare hosts', String(d.spareHosts)],
    [
      'tuning',
      Object.entries(d.tuning)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ],
  ];
  const lines = rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`).join('\n');
  return `${head}\n\ndeployment:\n${lines}\n\nwhy:\n${why}`;
}

export type ClusterShape = Pick<GenerateClusterOptions, 'n' | 'protocol' | 'f' | 'qos' | 'tuning'>;

/**
 * For keygen and up: the cluster's shape planned from the QoS options on `hosts`, or undefined
 * when none was given. The plan is printed (unless `quiet`); a refusal prints it on stderr and
 * exits as `bulwark plan` does.
 */
export function planClusterShape(
  flags: { readonly protocol?: string; readonly f?: number },
  hosts: number | undefined,
  quiet: boolean,
): ClusterShape | undefined {
  const qos = qosFromFlags(flags, hosts);
  if (qos === undefined) return undefined;
  if (flags.protocol !== undefined || flags.f !== undefined)
    fail('give either --protocol/--f or QoS options to plan them from, not both', 2);
  const decision = plan(qos);
  if (!decision.ok) {
    process.stderr.write(`${formatPlan(qos, decision)}\n`);
    fail(decision.refused, decision.code === 'unavailable' ? PLAN_EXIT_UNAVAILABLE : PLAN_EXIT_REFUSED);
  }
  if (!quiet) console.log(`${formatPlan(qos, decision)}\n`);
  const d = decision.deployment;
  // A cluster file's hosts are its members, so its qos section has no host count.
  const { hosts: _hosts, ...fileQos } = qos;
  return { n: d.n, protocol: d.protocol, f: d.f, qos: fileQos, tuning: d.tuning };
}
