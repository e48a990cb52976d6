/**
 * Fault injection over TCP: a real replica process takes on Byzantine behaviours by name (the
 * simulator's, so one implementation of each attack serves both), on request of the process
 * that launched it. The demo uses it to show attacks being outvoted and primaries being
 * replaced; fault-injection tests use it to attack real clusters.
 */
import type { Codec } from '../codec/frame.js';
import type { CryptoSuite } from '../core/crypto-suite.js';
import type { ClusterSpec } from '../core/cluster.js';
import type { NodeId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { behaviourNamesFor, makeBehaviour, type Behaviour } from '../sim/adversaries/index.js';
import type { NodeHost } from './node-host.js';

export interface FaultTarget {
  readonly spec: ClusterSpec;
  readonly self: number;
  readonly codec: Codec<unknown>;
  readonly crypto: CryptoSuite;
  readonly host: NodeHost<unknown, unknown>;
  /** The replicas in rank order, when it is not the order of their ids (an ITUA group's view 0). */
  readonly replicas?: readonly NodeId[];
}

/** Replace the node's injected behaviours by `names` (an empty list repairs it). */
export function injectFaults(
  target: FaultTarget,
  names: readonly string[],
  slowMs = 1_000,
): Result<string[], string> {
  const known = behaviourNamesFor(target.spec.protocol).filter((n) => n !== 'twins' && n !== 'crash');
  const behaviours: Behaviour[] = [];
  for (const name of names) {
    const b = known.includes(name) ? makeBehaviour(target.spec.protocol, name, { slowMs }) : undefined;
    if (b === undefined) return err(`cannot inject '${name}' over TCP; known: ${known.join(', ')}`);
    behaviours.push(b);
  }
  const replicas = target.replicas ?? target.spec.members.map((m) => m.id);
  target.host.injectFaults(behaviours, {
    self: target.self,
    codec: target.codec,
    crypto: target.crypto,
    replicas,
    f: target.spec.f,
    nodes: [...replicas, ...target.spec.clients.map((c) => c.id)],
  });
  return ok(behaviours.map((b) => b.name));
}

/**
 * A launcher's `{kind: 'inject', behaviours}` request as any node process answers it over IPC.
 * `crash` ends the process at once with SIGKILL (no flush, no goodbye: a crash as its peers see
 * it); the other names are handed to `inject`. Answers `injected` or `inject-failed`.
 */
export function answerInjectRequest(
  behaviours: unknown,
  inject: (names: readonly string[]) => Result<string[], string>,
  reply: (message: unknown) => void,
): void {
  const names = Array.isArray(behaviours) ? behaviours.filter((b): b is string => typeof b === 'string') : [];
  if (names.includes('crash')) process.kill(process.pid, 'SIGKILL');
  const injected = inject(names);
  if (injected.ok) reply({ kind: 'injected', behaviours: injected.value });
  else reply({ kind: 'inject-failed', reason: injected.error });
}
