/**
 * Axis ticks on round values (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990):
 * steps of 1, 2 or 5 times a power of ten, the first tick at or below the smallest value and the
 * last at or above the largest, so the axis always covers the data.
 */

/** A round number near `x`: the nearest of 1, 2, 5, 10 (round) or the next one up (ceiling). */
function niceNumber(x: number, round: boolean): number {
  const exponent = Math.floor(Math.log10(x));
  const fraction = x / 10 ** exponent;
  const nice = round
    ? fraction < 1.5
      ? 1
      : fraction < 3
        ? 2
        : fraction < 7
          ? 5
          : 10
    : fraction <= 1
      ? 1
      : fraction <= 2
        ? 2
        : fraction <= 5
          ? 5
          : 10;
  return nice * 10 ** exponent;
}

/**
 * `i * step` drifts (3 * 0.1 is 0.30000000000000004); rounding to one decimal finer than the step
 * gives the label a reader expects, at any magnitude.
 */
function tickAt(i: number, step: number): number {
  const decimals = Math.min(100, Math.max(0, 1 - Math.floor(Math.log10(step))));
  const v = Number((i * step).toFixed(decimals));
  return v === 0 ? 0 : v;
}

/** About `count` ticks covering [min, max]; a single value gets an axis around it. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`no ticks for [${min}, ${max}]`);
  if (min > max) [min, max] = [max, min];
  // A span too thin to divide into printable steps (toFixed stops at 100 decimals) is drawn as a
  // single value, and a value that close to zero as zero.
  if (max - min <= Math.max(Math.abs(min), Math.abs(max)) * 1e-12 || max - min < 1e-80) {
    const mid = (min + max) / 2;
    const pad = Math.abs(mid) < 1e-80 ? 1 : Math.abs(mid) * 0.1;
    min = mid - pad;
    max = mid + pad;
  }
  const step = niceNumber(niceNumber(max - min, false) / Math.max(1, count - 1), true);
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(tickAt(i, step));
  // Rounding to clean labels can move an end tick just inside the data; one more step restores cover.
  if (ticks[0]! > min) ticks.unshift(tickAt(first - 1, step));
  if (ticks.at(-1)! < max) ticks.push(tickAt(last + 1, step));
  return ticks;
}

/** Powers of ten covering [min, max] (both positive), at most about a dozen of them. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max)))
    throw new RangeError(`no log ticks for [${min}, ${max}]`);
  if (min > max) [min, max] = [max, min];
  const lo = Math.floor(Math.log10(min));
  let hi = Math.ceil(Math.log10(max));
  if (hi === lo) hi++;
  const stride = Math.max(1, Math.ceil((hi - lo) / 12));
  const ticks: number[] = [];
  for (let e = lo; e < hi + stride; e += stride) ticks.push(Number(`1e${e}`));
  return ticks;
}

/** A short label: plain digits in the usual range, exponent form for the very large or small. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-4)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(6)));
}
