/**
 * `bulwark bench switch`: throughput over time across run-time switches. A cluster of replica
 * processes on loopback starts on one protocol; closed-loop clients keep it loaded; at planned
 * times the administrator orders switches (runtime/reconfigure.ts). Completions are counted in
 * 100 ms bins; for each switch the dip is the longest run of bins, in the 1.5 s after the
 * command, below half the lower of the rates before and after it. Writes a CSV and an SVG.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCluster, writeClusterDir } from '../config/cluster-gen.js';
import type { CryptoMode } from '../core/crypto-suite.js';
import { protocols } from '../protocols/registry.js';
import type { BulwarkClient } from '../runtime/client.js';
import { clusterClient } from '../runtime/cluster-client.js';
import { freePorts, launchCluster, stopCluster } from '../runtime/launcher.js';
import { reconfigure } from '../runtime/reconfigure.js';
import { round } from './stats.js';
import { throughputCsv, throughputSvg, type ThroughputPoint } from './switch-chart.js';

const BIN_MS = 100;

export interface SwitchBenchOptions {
  readonly n: number;
  readonly initial: string;
  readonly plan: readonly {
    readonly protocol: string;
    readonly atSec: number;
    readonly members?: number[];
  }[];
  readonly durationSec: number;
  readonly clients: number;
  readonly outstanding: number;
  readonly crypto: CryptoMode;
  readonly outDir: string;
}

export interface SwitchOutcome {
  readonly protocol: string;
  readonly sentAtSec: number;
  readonly verdict: string;
  /** From sending the command to the administrator's verdict. */
  readonly orderedMs: number;
  readonly baselineOpsPerSec: number;
  /** After the switch, from 1.5 s on until the next switch. */
  readonly settledOpsPerSec: number;
  /** The lowest 100 ms bin in the 1.5 s after the command. */
  readonly minOpsPerSec: number;
  /**
   * The longest run of 100 ms bins, in the 1.5 s after the command, below half the lower of the
   * rates before and after the switch.
   */
  readonly dipSec: number;
}

export interface SwitchBenchResult {
  readonly config: Omit<SwitchBenchOptions, 'outDir'>;
  readonly requests: number;
  readonly errors: number;
  readonly meanOpsPerSec: number;
  readonly switches: SwitchOutcome[];
  readonly csv: string;
  readonly svg: string;
}

export async function benchSwitch(o: SwitchBenchOptions): Promise<SwitchBenchResult> {
  for (const p of [o.initial, ...o.plan.map((s) => s.protocol)])
    if (!protocols.has(p)) throw new Error(`protocol '${p}' is not available`);
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-switch-'));
  const ports = await freePorts(o.n);
  const made = generateCluster({
    n: o.n,
    clients: o.clients,
    name: `switch-${process.pid}`,
    protocol: o.initial,
    crypto: o.crypto,
  });
  if (!made.ok) throw new Error(made.error.message);
  const spec = {
    ...made.value.spec,
    members: made.value.spec.members.map((m, i) => ({ ...m, port: ports[i] as number })),
  };
  const wrote = await writeClusterDir(dir, { ...made.value, spec }, { overwrite: true });
  if (!wrote.ok) throw new Error(wrote.error.message);
  const children = await launchCluster({
    configPath: join(dir, 'cluster.yaml'),
    ids: spec.members.map((m) => m.id),
    context: 'bench',
  });
  const module = protocols.get(o.initial);
  const key = (id: number) => made.value.privates.find((p) => p.id === id) ?? fail(`no key for ${id}`);
  const clients = spec.clients.map((c) =>
    clusterClient({
      spec,
      module: module!,
      identity: c,
      key: key(c.id),
      context: 'bench',
      windowMax: o.outstanding,
      unorderedReads: false,
    }),
  );
  try {
    await Promise.all(clients.map((c) => c.start()));
    const adminKey = key(spec.admin?.id ?? -1);
    const run = await drive(o, clients, (protocol, members) =>
      reconfigure({ spec, adminKey, protocol, members, context: 'bench' }).then((r) => r.verdict),
    );
    return await report(o, run);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stopCluster(children);
    await rm(dir, { recursive: true, force: true });
  }
}

interface Run {
  readonly bins: number[];
  readonly errors: number;
  readonly sent: { protocol: string; atMs: number; verdict: string; orderedMs: number }[];
}

async function drive(
  o: SwitchBenchOptions,
  clients: BulwarkClient[],
  order: (protocol: string, members?: number[]) => Promise<string>,
): Promise<Run> {
  const bins: number[] = [];
  let errors = 0;
  let running = true;
  const t0 = performance.now();
  const op = new Uint8Array(0);
  const loop = async (c: BulwarkClient) => {
    while (running) {
      try {
        await c.invoke(op);
        const bin = Math.floor((performance.now() - t0) / BIN_MS);
        bins[bin] = (bins[bin] ?? 0) + 1;
      } catch {
        if (running) errors++;
      }
    }
  };
  const loops = clients.flatMap((c) => Array.from({ length: o.outstanding }, () => loop(c)));
  const sent: Run['sent'] = [];
  for (const step of o.plan) {
    await sleep(Math.max(0, step.atSec * 1000 - (performance.now() - t0)));
    const atMs = performance.now() - t0;
    const verdict = await order(step.protocol, step.members);
    sent.push({ protocol: step.protocol, atMs, verdict, orderedMs: performance.now() - t0 - atMs });
  }
  await sleep(Math.max(0, o.durationSec * 1000 - (performance.now() - t0)));
  running = false;
  await Promise.race([Promise.all(loops), sleep(5_000)]);
  const last = Math.floor((o.durationSec * 1000) / BIN_MS);
  return { bins: Array.from({ length: last }, (_, i) => bins[i] ?? 0), errors, sent };
}

async function report(o: SwitchBenchOptions, run: Run): Promise<SwitchBenchResult> {
  const perSec = (count: number) => (count * 1000) / BIN_MS;
  const points: ThroughputPoint[] = run.bins.map((c, i) => ({
    tSec: (i * BIN_MS) / 1000,
    opsPerSec: perSec(c),
  }));
  const switches = run.sent.map((s, k): SwitchOutcome => {
    const at = Math.floor(s.atMs / BIN_MS);
    const next =
      run.sent[k + 1] === undefined
        ? run.bins.length
        : Math.floor((run.sent[k + 1] as { atMs: number }).atMs / BIN_MS);
    const mean = (xs: number[]) => perSec(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const baseline = mean(run.bins.slice(Math.max(0, at - 10), at));
    // The new protocol's own pace, once settled: it may be slower than the old one without a dip.
    const settled = mean(run.bins.slice(Math.min(at + 15, next - 1), next));
    const reference = Math.min(baseline, settled);
    let longest = 0;
    let length = 0;
    for (const b of run.bins.slice(at, Math.min(at + 15, next))) {
      length = perSec(b) < reference / 2 ? length + 1 : 0;
      longest = Math.max(longest, length);
    }
    return {
      protocol: s.protocol,
      sentAtSec: round(s.atMs / 1000),
      verdict: s.verdict,
      orderedMs: round(s.orderedMs),
      baselineOpsPerSec: Math.round(baseline),
      settledOpsPerSec: Math.round(settled),
      minOpsPerSec: Math.round(Math.min(...run.bins.slice(at, at + 15).map(perSec))),
      dipSec: round((longest * BIN_MS) / 1000),
    };
  });
  const marks = run.sent.map((s) => ({ tSec: s.atMs / 1000, label: `→ ${s.protocol}` }));
  await mkdir(o.outDir, { recursive: true });
  const csv = join(o.outDir, 'switch-throughput.csv');
  const svg = join(o.outDir, 'switch-throughput.svg');
  await writeFile(csv, throughputCsv(points, marks));
  const title = `throughput across switches: ${o.initial} → ${o.plan.map((p) => p.protocol).join(' → ')} (n=${o.n}, ${o.clients}×${o.outstanding} in flight)`;
  await writeFile(svg, throughputSvg({ title, points, marks }));
  const requests = run.bins.reduce((a, b) => a + b, 0);
  const { outDir: _outDir, ...config } = o;
  return {
    config,
    requests,
    errors: run.errors,
    meanOpsPerSec: Math.round(requests / o.durationSec),
    switches,
    csv,
    svg,
  };
}

function fail(message: string): never {
  throw new Error(message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
