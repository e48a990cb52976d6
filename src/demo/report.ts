/** The demo's closing report: throughput, latency, view changes, what each faulty replica did, and the linearizability verdict. */
import { table } from '../cli/output.js';
import { checkKvHistory } from '../sim/checkers/linearizability.js';
import type { FaultRecord } from './scenario.js';
import type { DemoWorkload } from './workload.js';

export interface DemoSummary {
  readonly seconds: number;
  readonly views: number;
  readonly faults: readonly FaultRecord[];
}

export function printReport(w: DemoWorkload, s: DemoSummary): boolean {
  const [p50, p90, p99] = w.latencies
    .percentiles([50, 90, 99])
    .map((v) => Math.round((v as number) * 100) / 100);
  console.log('\nReport');
  console.log(
    table(
      ['requests', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'failed requests', 'view changes'],
      [[w.completed, Math.round(w.completed / s.seconds), p50 ?? 0, p90 ?? 0, p99 ?? 0, w.errors, s.views]],
    ),
  );
  console.log('\nFaulty replicas (never more than f = 1 at a time):');
  for (const f of s.faults) console.log(`- replica ${f.replica} ${f.did};\n  detected: ${f.detected}.`);
  const verdict = checkKvHistory(w.history, { stepsMax: 20_000_000 });
  const ok = verdict.outcome === 'ok';
  console.log(
    `\nLinearizability of all ${w.history.length} operations: ${
      verdict.outcome === 'ok'
        ? `linearizable (${verdict.partitions} keys checked)`
        : verdict.outcome === 'violation'
          ? `VIOLATED: ${verdict.description}`
          : `undecided (${verdict.reason})`
    }`,
  );
  return ok && w.errors === 0;
}
