/**
 * The switch benchmark's CSV and chart. A stand-in written before the shared report module
 * (src/report: csv.ts, svg-chart.ts) reached this branch: same inputs as its `lineChart`
 * ({title, xLabel, yLabel, series}), plus vertical markers where the switches were ordered.
 * When merging, replace `throughputSvg` by `lineChart` and `throughputCsv` by `toCsv`.
 */
export interface ThroughputPoint {
  readonly tSec: number;
  readonly opsPerSec: number;
}

export function throughputCsv(
  points: readonly ThroughputPoint[],
  marks: readonly { tSec: number; label: string }[],
): string {
  const rows = ['t_s,ops_per_s,event'];
  for (const p of points) {
    const mark = marks.find((m) => m.tSec >= p.tSec && m.tSec < p.tSec + 0.1);
    rows.push(
      `${p.tSec.toFixed(1)},${Math.round(p.opsPerSec)},${mark === undefined ? '' : `"${mark.label.replace(/"/g, '""')}"`}`,
    );
  }
  return rows.join('\n') + '\n';
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function throughputSvg(o: {
  title: string;
  points: readonly ThroughputPoint[];
  marks: readonly { tSec: number; label: string }[];
}): string {
  const [w, h, left, right, top, bottom] = [900, 400, 70, 20, 40, 50];
  const tMax = Math.max(1, ...o.points.map((p) => p.tSec));
  const yMax = niceCeil(Math.max(1, ...o.points.map((p) => p.opsPerSec)));
  const x = (t: number) => left + (t / tMax) * (w - left - right);
  const y = (v: number) => h - bottom - (v / yMax) * (h - top - bottom);
  const path = o.points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.tSec).toFixed(1)},${y(p.opsPerSec).toFixed(1)}`)
    .join(' ');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const xTicks = Array.from({ length: Math.floor(tMax) + 1 }, (_, i) => i).filter(
    (t) => t % Math.max(1, Math.ceil(tMax / 10)) === 0,
  );
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
    ...yTicks.map(
      (v) =>
        `<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`,
    ),
    ...xTicks.map((t) => `<text x="${x(t)}" y="${h - bottom + 16}" text-anchor="middle">${t}</text>`),
    `<text x="${w / 2}" y="${h - 12}" text-anchor="middle">time (s)</text>`,
    `<text x="16" y="${h / 2}" text-anchor="middle" transform="rotate(-90 16 ${h / 2})">completed requests per second (100 ms bins)</text>`,
    ...o.marks.map(
      (m) =>
        `<line x1="${x(m.tSec)}" x2="${x(m.tSec)}" y1="${top}" y2="${h - bottom}" stroke="#c33" stroke-dasharray="4 3"/><text x="${x(m.tSec) + 4}" y="${top + 12}" fill="#c33">${esc(m.label)}</text>`,
    ),
    `<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${h - bottom}" stroke="black"/><line x1="${left}" x2="${w - right}" y1="${h - bottom}" y2="${h - bottom}" stroke="black"/>`,
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
