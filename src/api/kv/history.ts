/**
 * A key-value client history from the observations nodes report (smr/observations.ts): each
 * request a client invoked becomes an entry with its decoded op, its call time, and, if the
 * client accepted a result, its return time and decoded result. A request that failed or never
 * completed keeps no result: it may have taken effect at any time after its call, or never.
 */
import type { Observation } from '../../smr/observations.js';
import type { HistoryEntry } from '../../sim/checkers/linearizability.js';
import { kvOpCodec, kvResultCodec, type KvOp, type KvResult } from './ops.js';

export interface KvHistory {
  readonly entries: HistoryEntry<KvOp, KvResult>[];
  /** Requests whose op is not a key-value op (another service's workload): left out. */
  readonly foreignOps: number;
  /** Completed requests whose result does not decode: a result no correct replica gives. */
  readonly undecodableResults: { client: number; requestId: number }[];
}

export class KvHistoryRecorder {
  private readonly byRequest = new Map<string, { entry: HistoryEntry<KvOp, KvResult>; index: number }>();
  private readonly entries: HistoryEntry<KvOp, KvResult>[] = [];
  private foreignOps = 0;
  private readonly undecodable: { client: number; requestId: number }[] = [];

  observe(obs: Observation): void {
    if (obs.kind === 'invoked') {
      const op = kvOpCodec.decode(obs.op);
      if (!op.ok) {
        this.foreignOps++;
        return;
      }
      const entry = { client: obs.client, op: op.value, call: obs.at, ret: undefined, result: undefined };
      this.byRequest.set(`${obs.client}:${obs.requestId}`, { entry, index: this.entries.length });
      this.entries.push(entry);
      return;
    }
    if (obs.kind !== 'completed') return;
    const known = this.byRequest.get(`${obs.client}:${obs.requestId}`);
    if (known === undefined) return;
    const result = kvResultCodec.decode(obs.result);
    if (!result.ok) {
      this.undecodable.push({ client: obs.client, requestId: obs.requestId });
      return;
    }
    this.entries[known.index] = { ...known.entry, ret: obs.at, result: result.value };
  }

  history(): KvHistory {
    return {
      entries: [...this.entries],
      foreignOps: this.foreignOps,
      undecodableResults: [...this.undecodable],
    };
  }
}

export function historyFromObservations(observations: Iterable<Observation>): KvHistory {
  const r = new KvHistoryRecorder();
  for (const o of observations) r.observe(o);
  return r.history();
}
