/**
 * Switching runs of the simulator: a plan of reconfigurations ("pbft@800,paxos/0.1.2@1600"), the
 * administrator who sends them (one more client, whose key signs them), the replicas' switching
 * options, and the checkers particular to switching: every planned switch is accepted, in order,
 * and no request is executed at two sequence numbers (once before a switch and again after it).
 */
import type { CryptoSuite } from '../core/crypto-suite.js';
import { CLIENT_ID_MIN, type NodeId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { protocols } from '../protocols/registry.js';
import {
  encodeCommandOp,
  strictReplyQuorum,
  switchingDefaults,
  type SwitchingOptions,
} from '../smr/switching/index.js';
import type { Checker } from './checkers/index.js';
import type { ClientCore } from '../smr/client-core.js';

export interface SwitchStep {
  readonly protocol: string;
  /** Members of the new epoch; undefined: every replica. */
  readonly members?: readonly NodeId[];
  /** Virtual ms at which the administrator sends the command. */
  readonly atMs: number;
}

export interface SimSwitching {
  /** Epoch 0's protocol. */
  readonly initial: string;
  readonly initialMembers?: readonly NodeId[];
  readonly plan: readonly SwitchStep[];
  /** Crashes placed by hand (a crash in the middle of a switch), besides those of --crashes. */
  readonly crashes?: readonly { node: NodeId; atMs: number; restartAtMs?: number }[];
}

export type SwitchEvent =
  | { readonly t: 'admin'; readonly ops: readonly { atMs: number; op: Uint8Array }[] }
  | { readonly t: 'crash'; readonly node: NodeId }
  | { readonly t: 'restart'; readonly node: NodeId };

/** The events a switching run adds to a world: the administrator's commands and the planned crashes. */
export function switchEvents(
  cfg: {
    switching?: SimSwitching;
    clients: number;
    tuning?: Readonly<Record<string, number>>;
    cryptoFor(node: NodeId): CryptoSuite;
  },
  replicas: readonly NodeId[],
): { atMs: number; ev: SwitchEvent }[] {
  const s = cfg.switching;
  if (s === undefined) return [];
  const out: { atMs: number; ev: SwitchEvent }[] = [];
  const ops = adminOps(s, replicas, cfg.cryptoFor(adminIdOf(cfg.clients)), cfg.tuning);
  if (ops.length > 0) out.push({ atMs: (ops[0] as { atMs: number }).atMs, ev: { t: 'admin', ops } });
  for (const c of s.crashes ?? []) {
    out.push({ atMs: c.atMs, ev: { t: 'crash', node: c.node } });
    if (c.restartAtMs !== undefined) out.push({ atMs: c.restartAtMs, ev: { t: 'restart', node: c.node } });
  }
  return out;
}

/** The administrator of a world with `clients` workload clients: the next client id. */
export function adminIdOf(clients: number): NodeId {
  return CLIENT_ID_MIN + clients;
}

/**
 * Parses a `--switch` text into a plan whose epoch 0 runs `initial`. Entries, comma-separated:
 * `PROTOCOL[/ID.ID…]@MS` a switch sent at MS (members: every replica unless listed);
 * `crash:ID@MS[-MS]` a crash at MS (and a restart with no state at the second MS);
 * `members:ID.ID…` epoch 0's members (default: every replica).
 */
export function parseSwitchPlan(text: string, n: number, initial: string): Result<SimSwitching, string> {
  const plan: SwitchStep[] = [];
  const crashes: { node: NodeId; atMs: number; restartAtMs?: number }[] = [];
  let initialMembers: NodeId[] | undefined;
  const ids = (t: string | undefined) => t?.split('.').map(Number);
  const bad = (xs: number[] | undefined) => xs?.some((id) => !Number.isInteger(id) || id >= n) ?? false;
  for (const part of text.split(',')) {
    const sw = /^\s*([a-z0-9-]+)(?:\/([0-9.]+))?@(\d+)\s*$/.exec(part);
    const crash = /^\s*crash:(\d+)@(\d+)(?:-(\d+))?\s*$/.exec(part);
    const members = /^\s*members:([0-9.]+)\s*$/.exec(part);
    if (crash !== null) {
      const node = Number(crash[1]);
      if (node >= n) return err(`--switch: '${part}' names no replica`);
      const restart = crash[3] === undefined ? undefined : Number(crash[3]);
      crashes.push({ node, atMs: Number(crash[2]), restartAtMs: restart });
    } else if (members !== null) {
      initialMembers = ids(members[1]);
      if (bad(initialMembers)) return err(`--switch: members of '${part}' must be replica ids below ${n}`);
    } else if (sw !== null && sw[1] !== 'crash' && sw[1] !== 'members') {
      const protocol = sw[1] as string;
      if (!protocols.has(protocol)) return err(`--switch: unknown protocol '${protocol}'`);
      const m = ids(sw[2]);
      if (bad(m)) return err(`--switch: members of '${part}' must be replica ids below ${n}`);
      plan.push({ protocol, members: m, atMs: Number(sw[3]) });
    } else
      return err(
        `bad --switch entry '${part}': expected PROTOCOL[/ID.ID…]@MS, crash:ID@MS[-MS] or members:ID.ID…`,
      );
  }
  if (!protocols.has(initial)) return err(`unknown protocol '${initial}'`);
  return ok({ initial, initialMembers, plan, crashes });
}

export function switchingOptionsFor(
  s: SimSwitching,
  replicas: readonly NodeId[],
  clients: number,
  checkpointInterval: number,
  tuning?: Readonly<Record<string, number>>,
): SwitchingOptions {
  return {
    protocols,
    hosts: replicas,
    initial: { protocol: s.initial, members: s.initialMembers ?? replicas, tuning },
    admin: adminIdOf(clients),
    replyQuorum: strictReplyQuorum(replicas.length),
    checkpointInterval,
    probeMs: switchingDefaults.probeMs,
    retireMs: switchingDefaults.retireMs,
    atSeqAheadMax: switchingDefaults.atSeqAheadMax,
  };
}

/** The administrator's signed ops, in plan order (epoch i+1 for step i). */
export function adminOps(
  s: SimSwitching,
  replicas: readonly NodeId[],
  admin: CryptoSuite,
  tuning?: Readonly<Record<string, number>>,
): { atMs: number; op: Uint8Array }[] {
  return s.plan.map((step, i) => ({
    atMs: step.atMs,
    op: encodeCommandOp(admin, {
      nextEpoch: i + 1,
      protocol: step.protocol,
      members: [...(step.members ?? replicas)],
      atSeq: 0,
      tuning: Object.entries(tuning ?? {}).map(([name, value]) => ({ name, value })),
      nonce: i,
    }),
  }));
}

/**
 * The administrator sends one command at a time, as an operator does: the next is sent when it
 * is due and the previous one has its verdict. Returns the event that carries the rest.
 */
export function adminStep(
  ev: Extract<SwitchEvent, { t: 'admin' }>,
  nowMs: number,
  admin: ClientCore | undefined,
): { atMs: number; ev: SwitchEvent } | undefined {
  const [first, ...rest] = ev.ops;
  if (first === undefined || admin === undefined) return undefined;
  if (admin.outstanding > 0) return { atMs: nowMs + 100, ev };
  admin.invoke(first.op);
  const next = rest[0];
  return next === undefined
    ? undefined
    : { atMs: Math.max(nowMs + 100, next.atMs), ev: { t: 'admin', ops: rest } };
}

/** Every switch the administrator asked for is accepted, as epoch i+1. */
export function switchCheckers(admin: NodeId, steps: number): Checker[] {
  let accepted = 0;
  const verdicts: Checker = {
    name: 'switch-accepted',
    observe(obs) {
      if (obs.kind !== 'completed' || obs.client !== admin) return undefined;
      const text = new TextDecoder().decode(obs.result);
      if (!text.startsWith(`epoch ${accepted + 1}:`)) return `switch ${accepted + 1} answered '${text}'`;
      accepted++;
      return undefined;
    },
    finish: () => (accepted === steps ? [] : [`${accepted} of ${steps} switches accepted`]),
  };
  const seqOf = new Map<string, number>();
  const oncePerSeq: Checker = {
    name: 'executed-once-across-switches',
    observe(obs, ctx) {
      if (obs.kind !== 'executed' || !ctx.isCorrect(obs.replica)) return undefined;
      for (const r of obs.requests) {
        if (r.result === undefined) continue;
        const key = `${r.client}:${r.requestId}`;
        const at = seqOf.get(key);
        if (at === undefined) seqOf.set(key, obs.seq);
        else if (at !== obs.seq) return `request ${key} executed at seq ${at} and again at seq ${obs.seq}`;
      }
      return undefined;
    },
  };
  return [verdicts, oncePerSeq];
}
