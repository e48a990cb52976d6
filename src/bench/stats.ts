/** Latency samples and percentiles for benchmarks. */
export class Samples {
  private data = new Float64Array(1024);
  count = 0;

  add(v: number): void {
    if (this.count === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.count++] = v;
  }

  percentiles(ps: readonly number[]): number[] {
    const sorted = this.data.slice(0, this.count).sort();
    return ps.map((p) =>
      this.count === 0
        ? NaN
        : (sorted[Math.min(this.count - 1, Math.floor((p / 100) * this.count))] as number),
    );
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function round(v: number, digits = 3): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
