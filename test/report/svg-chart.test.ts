// Proves the SVG charts are well-formed XML (every tag closed in order, text escaped), that the axis ticks are round and cover the data on linear and log axes, that the legend has one entry per series, and that values that cannot be drawn are counted on the chart instead of breaking it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { barChart, lineChart, logTicks, niceTicks } from '../../src/report/svg-chart.js';

/** A minimal XML check: tags balance and nest, and no bare `&` or `<` is left in text or attributes. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const textPart = svg.slice(i, lt === -1 ? svg.length : lt);
    assert.doesNotMatch(textPart, /&(?!(amp|lt|gt|quot|apos);)/, `bare & in text near ${i}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    assert.ok(m, `malformed tag at ${lt}: ${svg.slice(lt, lt + 60)}`);
    const [, closing, name, , selfClosing] = m;
    if (closing === '/') assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (selfClosing !== '/') stack.push(name!);
    i = tag.lastIndex;
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.match(svg, /^<svg /);
}

function count(svg: string, pattern: RegExp): number {
  return [...svg.matchAll(pattern)].length;
}

function tickValues(svg: string, axis: 'x-axis' | 'y-axis'): number[] {
  const group = svg.slice(svg.indexOf(`<g class="${axis}">`));
  const end = group.indexOf('</g>');
  return [...group.slice(0, end).matchAll(/class="tick"[^>]*>([^<]+)</g)].map((m) => Number(m[1]));
}

describe('ticks', () => {
  it('niceTicks are round, evenly spaced and cover [min, max]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        (a, b) => {
          const t = niceTicks(a, b);
          assert.ok(t[0]! <= Math.min(a, b) && t.at(-1)! >= Math.max(a, b), `${t} covers ${a}, ${b}`);
          assert.ok(t.length >= 2 && t.length <= 12, `${t.length} ticks`);
          const step = t[1]! - t[0]!;
          const mantissa = step / 10 ** Math.floor(Math.log10(step));
          assert.ok(
            [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-3),
            `step ${step} is round`,
          );
        },
      ),
    );
    assert.deepEqual(niceTicks(0, 97), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(0.1, 0.3), [0.1, 0.15, 0.2, 0.25, 0.3]);
  });

  it('logTicks are powers of ten covering [min, max]', () => {
    assert.deepEqual(logTicks(3, 4500), [1, 10, 100, 1000, 10000]);
    assert.deepEqual(logTicks(5, 5), [1, 10]);
    const wide = logTicks(1e-30, 1e30);
    assert.ok(wide.length <= 14 && wide[0]! <= 1e-30 && wide.at(-1)! >= 1e30);
  });
});

describe('lineChart', () => {
  const series = [
    {
      name: 'pbft <n=4>',
      points: [
        [1, 120],
        [2, 340],
        [4, 910],
      ] as [number, number][],
    },
    {
      name: 'paxos & co',
      points: [
        [1, 300],
        [2, 700],
        [4, 1750],
      ] as [number, number][],
    },
    { name: 'sequencer', points: [[0.5, 5]] as [number, number][] },
  ];

  it('is well-formed, with one legend entry per series and ticks covering the data', () => {
    const svg = lineChart({ title: 'Throughput "vs" clients', xLabel: 'clients', yLabel: 'ops/s', series });
    assertWellFormed(svg);
    assert.equal(count(svg, /class="legend-entry"/g), 3);
    assert.equal(count(svg, /<circle [^>]*><title>/g), 7, 'one marker per point');
    assert.equal(count(svg, /<path d=/g), 2, 'a one-point series has a marker but no line');
    const xs = tickValues(svg, 'x-axis');
    const ys = tickValues(svg, 'y-axis');
    assert.ok(xs[0]! <= 0.5 && xs.at(-1)! >= 4, `x ticks ${xs}`);
    assert.ok(ys[0]! <= 5 && ys.at(-1)! >= 1750, `y ticks ${ys}`);
    assert.equal(new Set(svg.match(/stroke="#[0-9a-f]{6}" fill=/g)).size, 3, 'one colour per series');
  });

  it('on a log axis leaves out non-positive values and says so', () => {
    const svg = lineChart({
      title: 'latency',
      xLabel: 't',
      yLabel: 'ms',
      logY: true,
      series: [
        {
          name: 'p99',
          points: [
            [0, 0],
            [1, 2],
            [2, 3000],
            [3, NaN],
          ],
        },
      ],
    });
    assertWellFormed(svg);
    assert.deepEqual(tickValues(svg, 'y-axis'), [1, 10, 100, 1000, 10000]);
    assert.match(svg, /2 values not drawn/);
  });

  it('draws an empty chart and many series with distinct colours', () => {
    assertWellFormed(lineChart({ title: 'none', xLabel: 'x', yLabel: 'y', series: [] }));
    const many = Array.from({ length: 14 }, (_, i) => ({
      name: `s${i}`,
      points: [[i, i] as [number, number]],
    }));
    const svg = lineChart({ title: 'many', xLabel: 'x', yLabel: 'y', series: many });
    assertWellFormed(svg);
    assert.equal(count(svg, /class="legend-entry"/g), 14);
    assert.equal(new Set([...svg.matchAll(/<g class="series" stroke="([^"]+)"/g)].map((m) => m[1])).size, 14);
  });
});

describe('barChart', () => {
  it('draws grouped bars from zero, with a legend entry per series', () => {
    const svg = barChart({
      title: 'ratio',
      yLabel: 'ops/s',
      categories: ['0 B', '1 KiB', '4 KiB'],
      series: [
        { name: 'sequencer', values: [30000, 20000, 8000] },
        { name: 'pbft', values: [9000, -50, Infinity] },
      ],
    });
    assertWellFormed(svg);
    assert.equal(count(svg, /class="legend-entry"/g), 2);
    assert.equal(count(svg, /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"><title>/g), 5);
    const ys = tickValues(svg, 'y-axis');
    assert.ok(ys[0]! <= -50 && ys.at(-1)! >= 30000 && ys.includes(0), `y ticks ${ys}`);
    assert.match(svg, /1 value not drawn/);
  });

  it('refuses a series whose values do not match the categories', () => {
    assert.throws(
      () =>
        barChart({ title: 't', yLabel: 'y', categories: ['a', 'b'], series: [{ name: 's', values: [1] }] }),
      /series s has 1 values for 2 categories/,
    );
  });
});
