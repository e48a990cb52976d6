/** `bulwark bench switch`: throughput over time across run-time switches (src/bench/switch-bench.ts). */
import { benchSwitch } from '../../bench/switch-bench.js';
import { printJson, table } from '../output.js';
import { fail } from '../parse.js';

export interface SwitchBenchFlags {
  protocol?: string;
  n?: number;
  clients: number;
  outstanding: number;
  duration: number;
  crypto: 'real' | 'none';
  plan?: string;
  out?: string;
  json: boolean;
}

/** "pbft@3,sequencer@6,paxos/0.1.2@9": protocol, optional members, and the second it is ordered at. */
function parsePlan(text: string): { protocol: string; atSec: number; members?: number[] }[] {
  return text.split(',').map((part) => {
    const m = /^\s*([a-z0-9-]+)(?:\/([0-9.]+))?@(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (m === null) fail(`bad --plan entry '${part}': expected PROTOCOL[/ID.ID…]@SECONDS`, 2);
    return { protocol: m[1] as string, atSec: Number(m[3]), members: m[2]?.split('.').map(Number) };
  });
}

export async function switchBenchCommand(flags: SwitchBenchFlags): Promise<void> {
  const plan = parsePlan(flags.plan ?? 'pbft@4,sequencer@8');
  const last = Math.max(...plan.map((p) => p.atSec));
  const duration = flags.duration > last + 2 ? flags.duration : last + 4;
  let r;
  try {
    r = await benchSwitch({
      n: flags.n ?? 4,
      initial: flags.protocol ?? 'sequencer',
      plan,
      durationSec: duration,
      clients: flags.clients,
      outstanding: flags.outstanding,
      crypto: flags.crypto,
      outDir: flags.out ?? '.',
    });
  } catch (e) {
    fail((e as Error).message);
  }
  if (flags.json) return printJson(r);
  console.log(
    table(
      [
        'switch to',
        'sent at s',
        'ordered in ms',
        'ops/s before',
        'ops/s after',
        'min ops/s',
        'dip s',
        'verdict',
      ],
      r.switches.map((s) => [
        s.protocol,
        s.sentAtSec,
        s.orderedMs,
        s.baselineOpsPerSec,
        s.settledOpsPerSec,
        s.minOpsPerSec,
        s.dipSec,
        s.verdict,
      ]),
    ),
  );
  console.log(
    `\n${r.requests} requests in ${duration} s (${r.meanOpsPerSec} ops/s mean), ${r.errors} failed`,
  );
  console.log(`wrote ${r.csv} and ${r.svg}`);
  process.exitCode = r.errors === 0 && r.switches.every((s) => !s.verdict.startsWith('refused')) ? 0 : 1;
}
