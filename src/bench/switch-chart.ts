/**
 * The switch benchmark's CSV and chart, through the shared report module: throughput in 100 ms
 * bins, with a marker where each switch was ordered.
 */
import { toCsv } from '../report/csv.js';
import { lineChart } from '../report/svg-chart.js';

export interface ThroughputPoint {
  readonly tSec: number;
  readonly opsPerSec: number;
}

export interface SwitchMark {
  readonly tSec: number;
  readonly label: string;
}

/** One row per bin; a bin in which a switch was ordered names it. */
export function throughputCsv(points: readonly ThroughputPoint[], marks: readonly SwitchMark[]): string {
  const rows = points.map((p) => {
    const mark = marks.find((m) => m.tSec >= p.tSec && m.tSec < p.tSec + 0.1);
    return [p.tSec.toFixed(1), Math.round(p.opsPerSec), mark?.label ?? ''];
  });
  return toCsv(['t_s', 'ops_per_s', 'event'], rows);
}

export function throughputSvg(o: {
  title: string;
  points: readonly ThroughputPoint[];
  marks: readonly SwitchMark[];
}): string {
  return lineChart({
    title: o.title,
    xLabel: 'time (s)',
    yLabel: 'completed requests per second (100 ms bins)',
    series: [{ name: 'throughput', points: o.points.map((p) => [p.tSec, p.opsPerSec] as const) }],
    marks: o.marks.map((m) => ({ x: m.tSec, label: m.label })),
    width: 900,
    height: 400,
  });
}
