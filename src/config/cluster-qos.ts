/**
 * The two optional sections of a cluster file that shape the protocol rather than the members:
 * `qos:` (a QoS the planner turns into the protocol, f and tuning, instead of stating them) and
 * `tuning:` (protocol tuning by name, handed to every replica as ProtocolConfig.tuning; it wins
 * over the planner's). The members of the file are the hosts the QoS must fit on.
 */
import type { Problems } from './cluster-file.js';
import { plan, type PlanOptions } from './planner.js';
import { parseQos, type Qos } from './qos.js';

/** Tuning entries one file may set; the protocols have fewer than half as many names. */
export const TUNING_ENTRIES_MAX = 64;
/** No timer, batch or window of any protocol comes near this; a larger value is a typo. */
export const TUNING_VALUE_MAX = 1e9;
const TUNING_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** Checks a `tuning:` mapping of name to non-negative number; undefined when absent. */
export function parseTuning(p: Problems, raw: unknown): Record<string, number> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    p.add('tuning', 'must be a mapping of tuning names to numbers, e.g. checkpointInterval: 64');
    return undefined;
  }
  const entries = Object.entries(raw);
  if (entries.length > TUNING_ENTRIES_MAX) {
    p.add('tuning', `must have at most ${TUNING_ENTRIES_MAX} entries, got ${entries.length}`);
    return undefined;
  }
  const tuning: Record<string, number> = {};
  for (const [name, value] of entries) {
    if (!TUNING_NAME.test(name)) p.add(`tuning.${name.slice(0, 64)}`, 'must be a name of letters and digits');
    else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > TUNING_VALUE_MAX)
      p.add(
        `tuning.${name}`,
        `must be a number in 0..${TUNING_VALUE_MAX}, got ${String(value).slice(0, 40)}`,
      );
    else tuning[name] = value;
  }
  // The replica node and the protocol must agree on where checkpoints fall (pbft/timers.ts).
  const k = tuning.checkpointInterval;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1))
    p.add('tuning.checkpointInterval', `must be a positive integer, got ${k}`);
  return tuning;
}

export interface PlannedFromQos {
  readonly qos: Qos;
  readonly protocol: string;
  readonly f: number;
  readonly tuning: Readonly<Record<string, number>>;
}

/**
 * Plans the protocol of a cluster file from its `qos:` section, on exactly its members: a plan
 * that needs more hosts is refused with the planner's reason, and one that needs fewer is
 * refused too, because a replica the plan does not count would break its quorum arithmetic
 * (PBFT's quorums of 2f+1 intersect in a correct replica only when n = 3f+1).
 */
export function planFromQos(
  p: Problems,
  raw: unknown,
  members: number,
  options: PlanOptions = {},
): PlannedFromQos | undefined {
  const parsed = parseQos(raw, { allowHosts: false });
  if (!parsed.ok) {
    for (const problem of parsed.error) p.add('qos', problem);
    return undefined;
  }
  const qos = parsed.value;
  const decision = plan({ ...qos, hosts: members }, options);
  if (!decision.ok) {
    p.add('qos', `cannot be met by the ${members} members listed: ${decision.refused}`);
    return undefined;
  }
  const d = decision.deployment;
  if (d.n !== members) {
    p.add(
      'qos',
      `plans ${d.protocol} on exactly ${d.n} replicas (f = ${d.f}) and the file lists ${members} members: list ${d.n}, or ask for more faults`,
    );
    return undefined;
  }
  return { qos, protocol: d.protocol, f: d.f, tuning: d.tuning };
}

/** The protocol section of a file that states a QoS: it must not also state what the QoS plans. */
export function protocolFromQos(
  p: Problems,
  raw: Record<string, unknown>,
  members: number,
  explicit: Record<string, number>,
): { protocol?: string; f: number; qos?: Qos; tuning: Record<string, number> } {
  if (raw.protocol !== undefined || raw.f !== undefined) {
    p.add('qos', 'state either protocol and f, or qos to plan them from, not both');
    return { f: 0, tuning: explicit };
  }
  const planned = planFromQos(p, raw.qos, members);
  if (planned === undefined) return { f: 0, tuning: explicit };
  return {
    protocol: planned.protocol,
    f: planned.f,
    qos: planned.qos,
    tuning: { ...planned.tuning, ...explicit },
  };
}
