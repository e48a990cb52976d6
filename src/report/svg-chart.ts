/**
 * Line and grouped-bar charts as self-contained SVG text, so an experiment command can write its
 * figure next to its CSV with no plotting library and no browser. Axis ticks fall on round
 * values (1, 2 or 5 times a power of ten; powers of ten on a log axis) and always cover the data.
 * A value that cannot be drawn (not finite, or not positive on a log axis) is left out and the
 * chart says how many were, rather than failing a long run at its last step.
 */
import { xmlEscape } from './svg-text.js';
import { niceTicks, logTicks, formatTick } from './ticks.js';

export { niceTicks, logTicks, formatTick } from './ticks.js';

export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  readonly width?: number;
  readonly height?: number;
  readonly logY?: boolean;
}

export interface BarSeries {
  readonly name: string;
  /** One value per category, in the order of `categories`. */
  readonly values: readonly number[];
}

export interface BarChartOptions {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly width?: number;
  readonly height?: number;
}

/** Tableau 10: distinct, and readable by most colour-blind readers. */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Past the palette, hues a golden angle apart stay apart however many series there are. */
export function seriesColour(i: number): string {
  return i < PALETTE.length ? PALETTE[i]! : `hsl(${Math.round((i * 137.508) % 360)}, 65%, 42%)`;
}

const WIDTH_DEFAULT = 720;
const HEIGHT_DEFAULT = 420;
const LEGEND_WIDTH = 170;
const LEGEND_ROW = 18;

/** The plot area inside the margins (title above, axis labels left and below, legend right). */
interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

function frameOf(width = WIDTH_DEFAULT, height = HEIGHT_DEFAULT): Frame {
  if (!(width >= 200 && height >= 150)) throw new RangeError(`chart too small: ${width}×${height}`);
  return { width, height, left: 72, right: width - LEGEND_WIDTH, top: 44, bottom: height - 52 };
}

type Scale = (v: number) => number;

function linearScale(lo: number, hi: number, from: number, to: number): Scale {
  return (v) => from + ((v - lo) / (hi - lo)) * (to - from);
}

function logScale(lo: number, hi: number, from: number, to: number): Scale {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from);
}

function text(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${r(x)}" y="${r(y)}"${attrs === '' ? '' : ' ' + attrs}>${xmlEscape(body)}</text>`;
}

/** Two decimals are finer than a pixel and keep the text short. */
function r(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function document(f: Frame, title: string, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="white"/>`,
    text(f.width / 2, 24, title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(f: Frame, ticks: readonly number[], y: Scale, label: string): string[] {
  const out = [`<g class="y-axis">`];
  for (const t of ticks) {
    const py = y(t);
    out.push(`<line x1="${f.left}" y1="${r(py)}" x2="${f.right}" y2="${r(py)}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${f.left - 5}" y1="${r(py)}" x2="${f.left}" y2="${r(py)}" stroke="black"/>`);
    out.push(text(f.left - 8, py + 4, formatTick(t), 'class="tick" text-anchor="end"'));
  }
  out.push(`<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.bottom}" stroke="black"/>`);
  const cy = (f.top + f.bottom) / 2;
  out.push(text(16, cy, label, `text-anchor="middle" transform="rotate(-90 16 ${r(cy)})"`));
  out.push('</g>');
  return out;
}

function xAxisLine(f: Frame, label: string): string[] {
  return [
    `<line x1="${f.left}" y1="${f.bottom}" x2="${f.right}" y2="${f.bottom}" stroke="black"/>`,
    text((f.left + f.right) / 2, f.height - 12, label, 'text-anchor="middle"'),
  ];
}

function xTicks(f: Frame, ticks: readonly number[], x: Scale): string[] {
  const out = [`<g class="x-axis">`];
  for (const t of ticks) {
    const px = x(t);
    out.push(`<line x1="${r(px)}" y1="${f.bottom}" x2="${r(px)}" y2="${f.bottom + 5}" stroke="black"/>`);
    out.push(text(px, f.bottom + 18, formatTick(t), 'class="tick" text-anchor="middle"'));
  }
  out.push('</g>');
  return out;
}

/** One entry per series, drawn as the series is (a line with a marker, or a bar swatch). */
function legend(f: Frame, names: readonly string[], kind: 'line' | 'bar'): string[] {
  const out = [`<g class="legend">`];
  names.forEach((name, i) => {
    const x = f.right + 16;
    const y = f.top + 8 + i * LEGEND_ROW;
    const c = seriesColour(i);
    const swatch =
      kind === 'line'
        ? `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${c}" stroke-width="2"/><circle cx="${x + 11}" cy="${y}" r="3" fill="${c}"/>`
        : `<rect x="${x + 5}" y="${y - 6}" width="12" height="12" fill="${c}"/>`;
    out.push(`<g class="legend-entry">${swatch}${text(x + 28, y + 4, name)}</g>`);
  });
  out.push('</g>');
  return out;
}

function droppedNote(f: Frame, dropped: number, why: string): string[] {
  if (dropped === 0) return [];
  const note = `${dropped} value${dropped === 1 ? '' : 's'} not drawn (${why})`;
  return [text(f.right, f.height - 12, note, 'class="note" text-anchor="end" fill="#a00"')];
}

function drawable(p: readonly [number, number], logY: boolean): boolean {
  return Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0);
}

function extent(values: readonly number[]): [number, number] {
  return values.length === 0 ? [0, 1] : [Math.min(...values), Math.max(...values)];
}

export function lineChart(o: LineChartOptions): string {
  const f = frameOf(o.width, o.height);
  const logY = o.logY ?? false;
  const kept = o.series.map((s) => s.points.filter((p) => drawable(p, logY)));
  const all = kept.flat();
  const dropped = o.series.reduce((a, s) => a + s.points.length, 0) - all.length;
  const tx = niceTicks(...extent(all.map((p) => p[0])));
  const [ylo, yhi] = all.length === 0 && logY ? [1, 10] : extent(all.map((p) => p[1]));
  const ty = logY ? logTicks(ylo, yhi) : niceTicks(ylo, yhi);
  const x = linearScale(tx[0]!, tx.at(-1)!, f.left, f.right);
  const y = (logY ? logScale : linearScale)(ty[0]!, ty.at(-1)!, f.bottom, f.top);
  const body = [...yAxis(f, ty, y, o.yLabel), ...xTicks(f, tx, x), ...xAxisLine(f, o.xLabel)];
  kept.forEach((points, i) => {
    const c = seriesColour(i);
    const name = o.series[i]!.name;
    body.push(`<g class="series" stroke="${c}" fill="${c}">`);
    if (points.length > 1) {
      const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${r(x(p[0]))},${r(y(p[1]))}`).join(' ');
      body.push(`<path d="${d}" fill="none" stroke-width="2"/>`);
    }
    for (const p of points) {
      const tip = `${name}: ${formatTick(p[0])}, ${formatTick(p[1])}`;
      body.push(
        `<circle cx="${r(x(p[0]))}" cy="${r(y(p[1]))}" r="3"><title>${xmlEscape(tip)}</title></circle>`,
      );
    }
    body.push('</g>');
  });
  body.push(
    ...legend(
      f,
      o.series.map((s) => s.name),
      'line',
    ),
  );
  body.push(...droppedNote(f, dropped, logY ? 'not finite, or not positive on a log axis' : 'not finite'));
  return document(f, o.title, body);
}

function categoryLabels(f: Frame, categories: readonly string[], slot: number): string[] {
  return categories.map((c, i) =>
    text(f.left + slot * (i + 0.5), f.bottom + 18, c, 'class="category" text-anchor="middle"'),
  );
}

export function barChart(o: BarChartOptions): string {
  const f = frameOf(o.width, o.height);
  o.series.forEach((s) => {
    if (s.values.length !== o.categories.length)
      throw new RangeError(
        `series ${s.name} has ${s.values.length} values for ${o.categories.length} categories`,
      );
  });
  const finite = o.series.flatMap((s) => s.values.filter(Number.isFinite));
  const dropped = o.series.length * o.categories.length - finite.length;
  // Bars grow from zero, so zero is always on the axis.
  const [lo, hi] = extent([0, ...finite]);
  const ty = niceTicks(lo, hi);
  const y = linearScale(ty[0]!, ty.at(-1)!, f.bottom, f.top);
  const slot = (f.right - f.left) / Math.max(1, o.categories.length);
  const barWidth = (slot * 0.8) / Math.max(1, o.series.length);
  const body = [...yAxis(f, ty, y, o.yLabel), ...categoryLabels(f, o.categories, slot)];
  body.push(...xAxisLine(f, o.xLabel ?? ''));
  o.series.forEach((s, i) => {
    body.push(`<g class="series" fill="${seriesColour(i)}">`);
    s.values.forEach((v, j) => {
      if (!Number.isFinite(v)) return;
      const bx = f.left + slot * j + slot * 0.1 + barWidth * i;
      const top = Math.min(y(v), y(0));
      const tip = `${s.name}, ${o.categories[j]}: ${formatTick(v)}`;
      body.push(
        `<rect x="${r(bx)}" y="${r(top)}" width="${r(barWidth)}" height="${r(Math.abs(y(v) - y(0)))}"><title>${xmlEscape(tip)}</title></rect>`,
      );
    });
    body.push('</g>');
  });
  body.push(
    ...legend(
      f,
      o.series.map((s) => s.name),
      'bar',
    ),
  );
  body.push(...droppedNote(f, dropped, 'not finite'));
  return document(f, o.title, body);
}
