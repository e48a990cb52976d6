/**
 * The configuration manager's planner (seed 000 §3.2.5): from a QoS specification to a
 * deployment (protocol, n, f, quorums, batching, timers), or a refusal that says why the hosts
 * or the protocols built so far cannot meet it. It is a pure function: the CLI (`bulwark plan`),
 * `bulwark keygen` and the cluster-file loader all call it, and tests check it against a naive
 * oracle of the fault bounds.
 *
 * Candidates are tried in order of preference for the QoS; the first that is built and fits on
 * the hosts is chosen. Every candidate passed over leaves a reason, so the output explains the
 * choice and not only states it.
 */
import { limits } from '../core/limits.js';
import {
  byzantineQuorum,
  crashQuorum,
  fabQuorum,
  maxFaults,
  sequencerQuorum,
  type FaultModel,
  type QuorumSpec,
} from '../core/quorum.js';
import { planned, protocols } from '../protocols/registry.js';
import type { Qos } from './qos.js';
import { plannedTuning } from './planner-tuning.js';

export interface Deployment {
  readonly protocol: string;
  readonly faultModel: FaultModel;
  /** Replicas, one per host. */
  readonly n: number;
  /** Faults the protocol is configured for (the `f` of its quorum arithmetic). */
  readonly f: number;
  readonly quorum: number;
  /** Matching replies a client waits for. */
  readonly replyQuorum: number;
  /** Protocol tuning by name, as ProtocolConfig.tuning takes it. */
  readonly tuning: Readonly<Record<string, number>>;
  /** Hosts given and left unused (0 when no host count was given). */
  readonly spareHosts: number;
}

/**
 * hosts: every protocol built for this QoS needs more hosts than were given; unavailable: the
 * protocols this QoS needs are not built yet; limit: more replicas than a group may have.
 */
export type RefusalCode = 'hosts' | 'unavailable' | 'limit';

export type Plan =
  | { readonly ok: true; readonly deployment: Deployment; readonly reasons: readonly string[] }
  | {
      readonly ok: false;
      readonly refused: string;
      readonly code: RefusalCode;
      readonly reasons: readonly string[];
    };

export interface PlanOptions {
  /** Protocols that can be deployed; default: those in the protocol registry. */
  readonly available?: ReadonlySet<string>;
  /** Why a protocol is not available; default: its roadmap entry in the registry. */
  readonly unavailableWhy?: (protocol: string) => string;
}

interface Candidate {
  readonly protocol: string;
  readonly spec: QuorumSpec;
  /** The bound in words, as it appears in reasons: '3f+1'. */
  readonly bound: string;
}

export function availableProtocols(): ReadonlySet<string> {
  return new Set(protocols.keys());
}

function roadmapWhy(protocol: string): string {
  return planned.get(protocol) ?? `no protocol '${protocol}' is registered`;
}

export function describeFaults(qos: Qos): string {
  const { byzantine: b, crash: c } = qos;
  const plural = (k: number, what: string) => `${k} ${what} fault${k === 1 ? '' : 's'}`;
  if (b === 0 && c === 0) return 'no faults';
  if (c === 0) return plural(b, 'Byzantine');
  if (b === 0) return plural(c, 'crash');
  return `${b} Byzantine and ${plural(c, 'crash')}`;
}

/** The protocols that meet the QoS, best first, with the reasons for the order. */
function candidatesFor(qos: Qos, reasons: string[]): Candidate[] {
  const { byzantine: b, crash: c } = qos;
  const total = b + c;
  if (total === 0) {
    reasons.push(
      qos.consistency === 'best-effort'
        ? 'no faults to tolerate and best-effort consistency: a central sequencer on 1 host is enough (seed 000 §3.2.2, coordination by a central node)'
        : 'no faults to tolerate: a central sequencer on 1 host orders every request and so is strongly consistent, at the lowest cost',
    );
    if (qos.timing === 'async') reasons.push('one node agrees with itself, so asynchrony costs it nothing');
    return [
      { protocol: 'sequencer', spec: sequencerQuorum(), bound: '1' },
      { protocol: 'paxos', spec: crashQuorum(0), bound: '2f+1' },
      { protocol: 'pbft', spec: byzantineQuorum(0), bound: '3f+1' },
    ];
  }
  if (qos.consistency === 'best-effort')
    reasons.push(
      'best-effort consistency with faults to tolerate: no weaker protocol that survives faults is built, so the plan gives strong consistency, which meets best effort',
    );
  if (b > 0 && c > 0)
    reasons.push(
      `${describeFaults(qos)}: crashes are counted as Byzantine faults (f = ${total}), which is sound for the Byzantine protocols; a hybrid protocol would need only 3b+2c+1 = ${3 * b + 2 * c + 1} replicas (the shape of seed 001's n >= 3k'+2k+1), but none is built`,
    );
  if (qos.timing === 'async') {
    reasons.push(
      'asynchronous timing: no deterministic protocol stays both safe and live with even one faulty replica (Fischer, Lynch, Paterson 1985), so paxos and pbft do not qualify; randomized agreement does (Cachin, Kursawe, Shoup; seed 000 §3.2.2), with n = 3f+1',
    );
    if (b === 0)
      reasons.push(
        'the randomized protocol on the roadmap tolerates Byzantine faults, so the crashes are counted as Byzantine ones',
      );
    return [{ protocol: 'async', spec: byzantineQuorum(total), bound: '3f+1' }];
  }
  if (b === 0) {
    reasons.push(
      `crash faults only, partial synchrony: Paxos tolerates ${c} crash${c === 1 ? '' : 'es'} with 2f+1 = ${2 * c + 1} replicas; PBFT would need 3f+1 = ${3 * c + 1}`,
    );
    return [
      { protocol: 'paxos', spec: crashQuorum(c), bound: '2f+1' },
      ...byzantineFallbacks(c, 'throughput'),
    ];
  }
  if (qos.priority === 'latency') {
    reasons.push(
      `Byzantine faults with a latency priority: FaB Paxos orders in two communication steps instead of PBFT's three, at the price of 5f+1 = ${5 * total + 1} replicas instead of 3f+1 = ${3 * total + 1} (seed 002)`,
    );
  } else
    reasons.push(
      `Byzantine faults, partial synchrony: PBFT tolerates f = ${total} with 3f+1 = ${3 * total + 1} replicas, safe always and live once the network is timely for long enough`,
    );
  return byzantineFallbacks(total, qos.priority);
}

/**
 * The Byzantine protocols, best first for the priority; each also tolerates crashes. The
 * randomized one is live under partial synchrony too (it needs no timing at all), so it is a
 * fallback there, after the deterministic ones, whose common case is cheaper.
 */
function byzantineFallbacks(f: number, priority: Qos['priority']): Candidate[] {
  const pbft: Candidate = { protocol: 'pbft', spec: byzantineQuorum(f), bound: '3f+1' };
  const fab: Candidate = { protocol: 'fab', spec: fabQuorum(f), bound: '5f+1' };
  const async: Candidate = { protocol: 'async', spec: byzantineQuorum(f), bound: '3f+1' };
  return priority === 'latency' ? [fab, pbft, async] : [pbft, async, fab];
}

function replicas(spec: QuorumSpec, bound: string): string {
  return spec.model === 'none' ? '1 replica' : `${spec.n} replica${spec.n === 1 ? '' : 's'} (${bound})`;
}

/** Derives a deployment for `qos`, or refuses with the reason; never throws on a valid Qos. */
export function plan(qos: Qos, options: PlanOptions = {}): Plan {
  const available = options.available ?? availableProtocols();
  const why = options.unavailableWhy ?? roadmapWhy;
  const reasons: string[] = [];
  const candidates = candidatesFor(qos, reasons);
  const faults = describeFaults(qos);
  const short: [number, string][] = [];
  const overLimit: string[] = [];
  const missing: [number, string][] = [];
  const need = qos.byzantine + qos.crash === 1 ? 'needs' : 'need';
  for (const cand of candidates) {
    const n = replicas(cand.spec, cand.bound);
    let note: string;
    if (cand.spec.n > limits.membersMax) {
      note = `${faults} ${need} ${n} with ${cand.protocol}, more than a group may have (${limits.membersMax})`;
      overLimit.push(note);
    } else if (!available.has(cand.protocol)) {
      note = `${cand.protocol} would need ${n} but is not available yet: ${why(cand.protocol)}`;
      missing.push([cand.spec.n, note]);
    } else if (qos.hosts !== undefined && cand.spec.n > qos.hosts) {
      const given = `${qos.hosts} host${qos.hosts === 1 ? ' was' : 's were'} given`;
      note = `${faults} ${need} ${n} with ${cand.protocol} and ${given}`;
      short.push([cand.spec.n, note]);
    } else return accept(qos, cand, reasons);
    reasons.push(note);
  }
  // The cheapest protocol built is the one the hosts fall short of; a cheaper one not built yet is worth a mention.
  const cheapest = short.sort((a, b) => a[0] - b[0])[0];
  if (cheapest !== undefined) {
    const cheaper = missing.filter(([n]) => n < cheapest[0]).map(([, note]) => ` (${note})`);
    return { ok: false, refused: cheapest[1] + (cheaper[0] ?? ''), code: 'hosts', reasons };
  }
  if (overLimit.length > 0) return { ok: false, refused: overLimit[0]!, code: 'limit', reasons };
  const first = candidates[0]!;
  if (qos.timing === 'async' && qos.byzantine + qos.crash > 0)
    reasons.push(
      `with --timing partial-sync (progress only while the network is timely), ${qos.byzantine === 0 ? 'paxos' : 'pbft'} would serve`,
    );
  return {
    ok: false,
    refused: `${first.protocol} is the protocol for ${faults} under this QoS and it is not available yet: ${why(first.protocol)}`,
    code: 'unavailable',
    reasons,
  };
}

function accept(qos: Qos, cand: Candidate, reasons: string[]): Plan {
  const { spec } = cand;
  const spareHosts = qos.hosts === undefined ? 0 : qos.hosts - spec.n;
  reasons.push(
    `chosen: ${cand.protocol} on ${replicas(spec, cand.bound)}, f = ${spec.f}, quorums of ${spec.quorum}`,
  );
  if (spareHosts > 0) reasons.push(...spareReasons(cand, qos.hosts!, spareHosts));
  if (qos.hosts === undefined) reasons.push(`needs ${spec.n} host${spec.n === 1 ? '' : 's'}`);
  const tuned = plannedTuning(cand.protocol, qos.priority);
  reasons.push(tuned.reason);
  return {
    ok: true,
    deployment: {
      protocol: cand.protocol,
      faultModel: spec.model,
      n: spec.n,
      f: spec.f,
      quorum: spec.quorum,
      replyQuorum: spec.replyQuorum,
      tuning: tuned.tuning,
      spareHosts,
    },
    reasons,
  };
}

/** Why the plan leaves hosts unused, and what they could buy instead. */
function spareReasons(cand: Candidate, hosts: number, spare: number): string[] {
  const { spec } = cand;
  const out = [
    spec.model === 'none'
      ? `the sequencer is one node: ${spare === 1 ? '1 host stays' : `${spare} hosts stay`} spare`
      : `${cand.protocol} runs on exactly ${cand.bound} = ${spec.n} hosts: its quorums of ${spec.quorum} are sized for n = ${cand.bound}, and more replicas for the same f would only make every quorum bigger; ${spare === 1 ? '1 host stays' : `${spare} hosts stay`} spare (standby to replace a failed replica)`,
  ];
  if (spec.model === 'none' && maxFaults('crash', hosts) > 0) {
    const crash = maxFaults('crash', hosts);
    const byz = maxFaults('byzantine', hosts);
    out.push(
      `${hosts} hosts would tolerate ${crash} crash fault${crash === 1 ? '' : 's'}${byz > 0 ? ` or ${byz} Byzantine` : ''}: ask for them to use the spares`,
    );
  } else if (spec.model !== 'none' && spec.model !== 'proactive') {
    const most = maxFaults(spec.model, hosts);
    if (most > spec.f)
      out.push(
        `${hosts} hosts would let ${cand.protocol} tolerate f = ${most}: ask for more faults to use them`,
      );
  }
  return out;
}
