/**
 * `bulwark experiment itua-delivery`: seed 003's Figure 5 over TCP, one process per member on
 * loopback. The paper's four stacks (mnak-no_total, reliable-no_total-dummy_crypt,
 * reliable-no_total, reliable-total), plus reliable-total with crypto off so the cost of
 * cryptography can be read off the complete stack, for group sizes 4 to 10 and for Ed25519,
 * RSA-1024 and RSA-2048 signatures.
 */
import { maxFaults, byzantineQuorumFor } from '../../core/quorum.js';
import { markdownTable } from '../../report/markdown.js';
import { lineChart } from '../../report/svg-chart.js';
import { cell, median, runExperiment, type CellOutcome, type ExperimentFiles } from '../framework.js';
import type { DeliveryStack } from './delivery-member.js';
import {
  runDeliveryCell,
  type DeliveryCell,
  type DeliveryCellResult,
  type DeliveryCrypto,
} from './delivery-run.js';
import { defaultWorkload, type DeliveryWorkloadParams } from './workload.js';

export interface DeliveryOptions {
  readonly sizes: readonly number[];
  readonly cryptos: readonly DeliveryCrypto[];
  readonly reps: number;
  readonly workload: Omit<DeliveryWorkloadParams, 'groupSize'>;
  readonly runTimeoutMs: number;
  readonly progress: boolean;
}

export const deliveryDefaults: DeliveryOptions = {
  sizes: [4, 5, 6, 7, 8, 9, 10],
  cryptos: ['none', 'ed25519', 'rsa-1024', 'rsa-2048'],
  reps: 1,
  workload: defaultWorkload,
  runTimeoutMs: 60_000,
  progress: true,
};

/** A line of the figure: one stack with one crypto. */
interface Series {
  readonly stack: DeliveryStack;
  readonly crypto: DeliveryCrypto;
}

const STACK_NAMES: Record<DeliveryStack, string> = {
  'crash-rm': 'crash-only RM (mnak)',
  rm: 'RM',
  'rm-total': 'RM + total order',
};

const CRYPTO_NAMES: Record<DeliveryCrypto, string> = {
  none: 'crypto off',
  ed25519: 'Ed25519',
  'rsa-1024': 'RSA-1024',
  'rsa-2048': 'RSA-2048',
};

function seriesName(s: Series): string {
  return s.stack === 'crash-rm' ? STACK_NAMES[s.stack] : `${STACK_NAMES[s.stack]}, ${CRYPTO_NAMES[s.crypto]}`;
}

/** The crash-only baseline, then RM and RM + total order under each crypto asked for. */
export function deliverySeries(cryptos: readonly DeliveryCrypto[]): Series[] {
  const series: Series[] = [{ stack: 'crash-rm', crypto: 'none' }];
  for (const crypto of cryptos) {
    series.push({ stack: 'rm', crypto }, { stack: 'rm-total', crypto });
  }
  return series;
}

export async function runDeliveryExperiment(o: DeliveryOptions): Promise<ExperimentFiles> {
  const cells: DeliveryCell[] = o.sizes.flatMap((n) => deliverySeries(o.cryptos).map((s) => ({ ...s, n })));
  const outcomes = await runExperiment({
    name: 'itua-delivery',
    cells,
    reps: o.reps,
    run: (c) => runDeliveryCell(c, o.workload, o.runTimeoutMs),
    label: (c) => `n=${c.n} ${seriesName(c)}`,
    progress: { enabled: o.progress },
  });
  return deliveryFiles(o, outcomes);
}

type Outcome = CellOutcome<DeliveryCell, DeliveryCellResult>;

/** The median over repetitions of one measure of one series at one n (NaN when every rep failed). */
function pick(
  outcomes: readonly Outcome[],
  s: Series,
  n: number,
  f: (r: DeliveryCellResult) => number,
): number {
  const rs = outcomes.filter((x) => x.cell.stack === s.stack && x.cell.crypto === s.crypto && x.cell.n === n);
  return median(rs.flatMap((x) => (x.result === undefined ? [] : [f(x.result)])));
}

export function deliveryFiles(o: DeliveryOptions, outcomes: readonly Outcome[]): ExperimentFiles {
  const header = [
    'stack',
    'crypto',
    'n',
    'f',
    'quorum',
    'rep',
    'elapsed_ms',
    'elapsed_ms_max',
    'crypto_ms',
    'signs',
    'verifies',
    'frames',
    'suspicions',
    'error',
  ];
  const rows = outcomes.map((x) => {
    const r = x.result;
    const f = maxFaults('byzantine', x.cell.n);
    return [
      x.cell.stack,
      x.cell.crypto,
      x.cell.n,
      f,
      byzantineQuorumFor(x.cell.n, f),
      x.rep,
      r?.elapsedMs.toFixed(2),
      r?.elapsedMsMax.toFixed(2),
      r?.cryptoMs.toFixed(2),
      r?.signs,
      r?.verifies,
      r?.framesOut,
      r?.suspicions,
      x.error ?? '',
    ];
  });
  return {
    name: 'itua-delivery',
    csv: { header, rows },
    figures: deliveryFigures(o, outcomes),
    markdown: deliveryMarkdown(o, outcomes),
  };
}

function lines(o: DeliveryOptions, outcomes: readonly Outcome[], series: readonly Series[]) {
  return series
    .filter((s) => o.cryptos.includes(s.crypto))
    .map((s) => ({
      name: seriesName(s),
      points: o.sizes.map((n) => [n, pick(outcomes, s, n, (r) => r.elapsedMs)] as const),
    }));
}

function deliveryFigures(o: DeliveryOptions, outcomes: readonly Outcome[]): ExperimentFiles['figures'] {
  const signed: DeliveryCrypto[] = ['ed25519', 'rsa-1024', 'rsa-2048'];
  const chart = (title: string, series: readonly Series[], logY = false) =>
    lineChart({
      title,
      xLabel: 'group size n',
      yLabel: 'time to completion (ms)',
      series: lines(o, outcomes, series),
      logY,
    });
  return [
    {
      suffix: 'fig5a',
      svg: chart(
        'Fig. 5(a) reliable multicast',
        signed.map((crypto) => ({ stack: 'rm', crypto })),
      ),
    },
    {
      suffix: 'fig5b',
      svg: chart(
        'Fig. 5(b) reliable multicast + total order',
        signed.map((crypto) => ({ stack: 'rm-total', crypto })),
      ),
    },
    {
      suffix: 'fig5c',
      svg: chart('Fig. 5(c) crash-only RM vs intrusion-tolerant RM, crypto off', [
        { stack: 'crash-rm', crypto: 'none' },
        { stack: 'rm', crypto: 'none' },
      ]),
    },
    {
      suffix: 'fig5d',
      svg: chart(
        'Fig. 5(d) cost of cryptography (RM)',
        (['none', 'ed25519', 'rsa-1024', 'rsa-2048'] as const).map((crypto) => ({ stack: 'rm', crypto })),
        true,
      ),
    },
  ];
}

function ratio(a: number, b: number): string | number {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? cell(a / b, 2) : '–';
}

function deliveryMarkdown(o: DeliveryOptions, outcomes: readonly Outcome[]): string {
  const series = deliverySeries(o.cryptos);
  const times = markdownTable(
    ['n', 'f', '2f+1', ...series.map(seriesName)],
    o.sizes.map((n) => [
      n,
      maxFaults('byzantine', n),
      byzantineQuorumFor(n, maxFaults('byzantine', n)),
      ...series.map((s) => cell(pick(outcomes, s, n, (r) => r.elapsedMs))),
    ]),
  );
  const at = (
    stack: DeliveryStack,
    crypto: DeliveryCrypto,
    n: number,
    f = (r: DeliveryCellResult) => r.elapsedMs,
  ) => pick(outcomes, { stack, crypto }, n, f);
  const share = (n: number) => at('rm-total', 'ed25519', n, (r) => r.cryptoMs / r.elapsedMs);
  const ratios = markdownTable(
    [
      'n',
      'RM off / crash-only (5c)',
      'RM RSA-1024 / RM off (5d)',
      'RM Ed25519 / RM off',
      'RM+TO Ed25519 / RM+TO off',
      'RM+TO / RM, Ed25519',
      'crypto share of RM+TO Ed25519 time',
    ],
    o.sizes.map((n) => [
      n,
      ratio(at('rm', 'none', n), at('crash-rm', 'none', n)),
      ratio(at('rm', 'rsa-1024', n), at('rm', 'none', n)),
      ratio(at('rm', 'ed25519', n), at('rm', 'none', n)),
      ratio(at('rm-total', 'ed25519', n), at('rm-total', 'none', n)),
      ratio(at('rm-total', 'ed25519', n), at('rm', 'ed25519', n)),
      Number.isFinite(share(n)) ? `${Math.round(share(n) * 100)}%` : '–',
    ]),
  );
  const failed = outcomes.filter((x) => x.error !== undefined);
  return [
    '# ITUA message delivery (seed 003, Figure 5)',
    '',
    `Time to completion of the paper's application, in ms (median of ${o.reps} run(s); each run is the mean over members). ` +
      `num_init_casts = ${o.workload.initCasts}, end at ${o.workload.roundsMax} × n messages received, ` +
      `${o.workload.payloadBytes}-byte messages; one process per member over TCP on loopback; a warm-up run precedes each measured one.`,
    '',
    times,
    '',
    'Ratios (the paper: 5(c) under 3×, 5(d) one to two orders of magnitude with RSA-1024; target: RM+TO Ed25519 / RM+TO off ≤ 3 at n = 10):',
    '',
    ratios,
    '',
    failed.length === 0
      ? 'No run failed.'
      : `Failed runs: ${failed.map((x) => `n=${x.cell.n} ${seriesName(x.cell)}: ${x.error ?? ''}`).join('; ')}`,
    '',
  ].join('\n');
}
