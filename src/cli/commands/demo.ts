/**
 * `bulwark demo` (what `npm start` runs): a local cluster of real replica processes over
 * authenticated TCP doing real work, with a progress display and a report. Until PBFT lands it
 * runs the central sequencer with three members (one orders, two follow).
 */
import type { Command } from 'commander';
import { Progress, table } from '../output.js';
import { positive } from '../parse.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start a local cluster as separate processes, run a workload, and report (npm start)')
    .option('--duration <seconds>', 'seconds of workload', positive, 8)
    .action(async (flags: { duration: number }) => {
      const { benchCluster } = await import('../../bench/cluster-bench.js');
      console.log('Bulwark demo: 3 replica processes (central sequencer + 2 followers) on 127.0.0.1,');
      console.log('Noise IK handshakes, authenticated frames, 8 clients with 16 requests in flight each.\n');
      const progress = new Progress(true);
      const r = await benchCluster({
        protocol: 'sequencer',
        n: 3,
        f: 0,
        clients: 8,
        outstanding: 16,
        durationSec: flags.duration,
        warmupSec: 1,
        requestBytes: 64,
        replyBytes: 16,
        crypto: 'real',
        encryption: false,
        onProgress: (p) =>
          progress.update(
            `  ${p.elapsedSec.toFixed(0)}s  ${p.completed} requests ordered and executed  (${Math.round(p.opsPerSec)} ops/s)`,
          ),
      });
      progress.done();
      console.log(
        table(
          ['ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'requests', 'errors'],
          [[r.throughputOpsPerSec, r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.requests, r.errors]],
        ),
      );
      console.log(
        `\nload generator CPU ${Math.round(r.loadGeneratorCpuShare * 100)}%, replicas ${r.replicaCpuShare.map((s) => `${Math.round(s * 100)}%`).join(', ')}`,
      );
      console.log(
        '\nThe sequencer tolerates no fault. PBFT (3f+1 replicas, Byzantine faults) is the next step of the roadmap.',
      );
      if (r.errors > 0) process.exitCode = 1;
    });
}
