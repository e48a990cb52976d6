/**
 * A QoS specification: what a service asks of its replication (seed 000 §3.2.5: the faults of
 * each kind to tolerate, replica consistency, timeliness), from which the planner (planner.ts)
 * derives a deployment. It comes from the command line or from the `qos:` section of a cluster
 * file, both operator input, so it is checked field by field and every problem is reported.
 */
import { limits } from '../core/limits.js';
import { err, ok, type Result } from '../core/result.js';

/**
 * partial-sync: messages are delivered within an unknown bound after an unknown time (Dwork,
 * Lynch, Stockmeyer 1988), which deterministic protocols need for progress; async: no bound
 * ever, which only randomized agreement survives (Fischer, Lynch, Paterson 1985).
 */
export const TIMING_MODELS = ['partial-sync', 'async'] as const;
export type TimingModel = (typeof TIMING_MODELS)[number];

/** strong: linearizable replicated state; best-effort: the service accepts less (seed 000 §3.2.5). */
export const CONSISTENCIES = ['strong', 'best-effort'] as const;
export type Consistency = (typeof CONSISTENCIES)[number];

/** What the deployment favours when both cannot be had: one request's latency, or requests per second. */
export const PRIORITIES = ['latency', 'throughput'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Qos {
  /** Replicas that may behave arbitrarily (an attacker's), at the same time. */
  readonly byzantine: number;
  /** Further replicas that may stop (crash), at the same time as the Byzantine ones. */
  readonly crash: number;
  readonly timing: TimingModel;
  readonly consistency: Consistency;
  readonly priority: Priority;
  /** Hosts available for replicas; absent: as many as the plan needs (it says how many). */
  readonly hosts?: number;
}

/** A group has at most limits.membersMax members, so no more faults than that can be asked for. */
export const QOS_FAULTS_MAX = limits.membersMax - 1;

export const defaultQos: Qos = {
  byzantine: 0,
  crash: 0,
  timing: 'partial-sync',
  consistency: 'strong',
  priority: 'throughput',
};

const QOS_KEYS = ['byzantine', 'crash', 'timing', 'consistency', 'priority', 'hosts'] as const;

function isCount(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

function describe(x: unknown): string {
  return x === undefined ? 'nothing' : typeof x === 'string' ? `'${x.slice(0, 40)}'` : String(x).slice(0, 40);
}

function oneOf<T extends string>(
  problems: string[],
  field: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${field}: must be one of ${allowed.join(', ')}, got ${describe(value)}`);
  return fallback;
}

/**
 * Checks a QoS given as a plain object (parsed YAML, or flags): absent fields take the defaults
 * of `defaultQos`; unknown fields are errors (a misspelt `byzantin: 2` must not silently plan for
 * no Byzantine faults). `allowHosts` is false in a cluster file, whose hosts are its members.
 */
export function parseQos(
  raw: unknown,
  options: { readonly allowHosts?: boolean } = {},
): Result<Qos, string[]> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return err(['must be a mapping of byzantine, crash, timing, consistency, priority']);
  const r = raw as Record<string, unknown>;
  const allowed: readonly string[] = options.allowHosts === false ? QOS_KEYS.slice(0, -1) : QOS_KEYS;
  const problems: string[] = [];
  for (const key of Object.keys(r))
    if (!allowed.includes(key)) problems.push(`${key}: unknown key (expected one of ${allowed.join(', ')})`);
  for (const key of ['byzantine', 'crash'] as const)
    if (r[key] !== undefined && !isCount(r[key], 0, QOS_FAULTS_MAX))
      problems.push(`${key}: must be an integer in 0..${QOS_FAULTS_MAX}, got ${describe(r[key])}`);
  if (r.hosts !== undefined && !isCount(r.hosts, 1, limits.membersMax))
    problems.push(`hosts: must be an integer in 1..${limits.membersMax}, got ${describe(r.hosts)}`);
  const qos: Qos = {
    byzantine: isCount(r.byzantine, 0, QOS_FAULTS_MAX) ? r.byzantine : defaultQos.byzantine,
    crash: isCount(r.crash, 0, QOS_FAULTS_MAX) ? r.crash : defaultQos.crash,
    timing: oneOf(problems, 'timing', r.timing, TIMING_MODELS, defaultQos.timing),
    consistency: oneOf(problems, 'consistency', r.consistency, CONSISTENCIES, defaultQos.consistency),
    priority: oneOf(problems, 'priority', r.priority, PRIORITIES, defaultQos.priority),
    ...(isCount(r.hosts, 1, limits.membersMax) ? { hosts: r.hosts } : {}),
  };
  return problems.length > 0 ? err(problems) : ok(qos);
}

/** The YAML form of a QoS for a cluster file: every field but the hosts, which are the file's members. */
export function qosToDocument(qos: Qos): Record<string, unknown> {
  return {
    byzantine: qos.byzantine,
    crash: qos.crash,
    timing: qos.timing,
    consistency: qos.consistency,
    priority: qos.priority,
  };
}
