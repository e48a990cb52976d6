/**
 * `bulwark demo` (what `npm start` runs): four PBFT replicas as separate processes serving the
 * key-value store over authenticated TCP, a workload, and a scripted attack: a backup lies to
 * clients, the primary equivocates, the next primary is killed and restarted. The service
 * keeps answering correctly throughout, and the run ends with a report.
 */
import type { Command } from 'commander';
import { Progress } from '../output.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a 4-replica PBFT key-value cluster through a scripted attack, and report (npm start)')
    .action(async () => {
      const { DemoCluster } = await import('../../demo/cluster.js');
      const { DemoWorkload } = await import('../../demo/workload.js');
      const { runScenario } = await import('../../demo/scenario.js');
      const { printReport } = await import('../../demo/report.js');
      console.log('Bulwark demo: a Byzantine-fault-tolerant key-value store (PBFT, n = 4, f = 1),');
      console.log('four replica processes on 127.0.0.1 over Noise-authenticated TCP, 8 clients.\n');
      const cluster = await DemoCluster.start({ n: 4, clients: 8 });
      const workload = new DemoWorkload(cluster.clients.kv, 8);
      const progress = new Progress(true);
      const t0 = performance.now();
      workload.start();
      try {
        const firstView = Math.max(...(await cluster.allStats()).map((s) => s?.view ?? 0));
        const faults = await runScenario(cluster, {
          say: (line) => {
            progress.done();
            console.log(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
          },
          run: async (seconds, label) => {
            const end = performance.now() + seconds * 1000;
            while (performance.now() < end) {
              const elapsed = (performance.now() - t0) / 1000;
              progress.update(
                `  ${label}: ${workload.completed} requests answered, ${workload.errors} failed (${elapsed.toFixed(0)}s)`,
              );
              await new Promise((r) => setTimeout(r, 250));
            }
          },
        });
        await workload.stop();
        progress.done();
        const lastView = Math.max(...(await cluster.allStats()).map((s) => s?.view ?? 0));
        const ok = printReport(workload, {
          seconds: (performance.now() - t0) / 1000,
          views: lastView - firstView,
          faults,
        });
        process.exitCode = ok ? 0 : 1;
      } finally {
        await workload.stop();
        await cluster.close();
      }
    });
}
