/**
 * Progress of long runs (sweeps, experiments, benchmark grids) on stderr, so stdout stays clean
 * for the results. On a terminal the one line rewrites itself; in a log or CI (no TTY) a plain
 * line is printed each time another `everyPercent` of the work is done, so a log holds a bounded
 * number of lines whatever the total.
 */

/** Where the lines go: process.stderr, or a recorder in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** Non-TTY only: a line each time this share of the total is passed (default 10). */
  readonly everyPercent?: number;
  /** False silences it (for `--json` runs); default true. */
  readonly enabled?: boolean;
  /** The clock, in milliseconds; injectable so tests need not wait. */
  readonly nowMs?: () => number;
}

export interface ProgressHandle {
  /** One unit of work finished; the label says which (a seed, a cell). */
  tick(label?: string): void;
  /** All finished (or stopped early): clears the rewritten line and prints the total time. */
  done(label?: string): void;
}

/** A terminal redraw at most this often: a sweep of a million ticks must not spend its time drawing. */
const TTY_REDRAW_MS_MIN = 100;
const CLEAR_LINE = '\r\x1b[2K';

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export function progress(name: string, total: number, options: ProgressOptions = {}): ProgressHandle {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? true;
  const everyPercent = Math.max(1, options.everyPercent ?? 10);
  const nowMs = options.nowMs ?? (() => performance.now());
  const tty = stream.isTTY === true;
  const startMs = nowMs();
  let count = 0;
  let lastDrawMs = -Infinity;
  let lastStep = 0;
  let finished = false;

  const line = (label: string | undefined): string => {
    const percent = total > 0 ? Math.min(100, Math.floor((count / total) * 100)) : 100;
    const elapsedMs = nowMs() - startMs;
    const remaining =
      count > 0 && count < total ? ` eta ${seconds((elapsedMs / count) * (total - count))}` : '';
    return `${name} ${count}/${total} (${percent}%)${remaining}${label === undefined ? '' : ` ${label}`}`;
  };

  return {
    tick(label) {
      count++;
      if (!enabled || finished) return;
      if (tty) {
        const now = nowMs();
        if (now - lastDrawMs < TTY_REDRAW_MS_MIN && count < total) return;
        lastDrawMs = now;
        stream.write(`${CLEAR_LINE}${line(label)}`);
        return;
      }
      const step = total > 0 ? Math.floor((count / total) * (100 / everyPercent)) : 0;
      if (step <= lastStep) return;
      lastStep = step;
      stream.write(`${line(label)}\n`);
    },
    done(label) {
      if (!enabled || finished) return;
      finished = true;
      const took = seconds(nowMs() - startMs);
      const end = `${name} ${count}/${total} done in ${took}${label === undefined ? '' : ` ${label}`}\n`;
      stream.write(tty ? `${CLEAR_LINE}${end}` : end);
    },
  };
}

/**
 * A free-text status line (the older CLI interface, kept for its callers): it rewrites itself on
 * a terminal and prints a plain line at most every two seconds elsewhere.
 */
export class Progress {
  private lastPlainMs = -Infinity;
  constructor(
    private readonly enabled: boolean,
    private readonly stream: ProgressStream = process.stderr,
  ) {}

  update(text: string): void {
    if (!this.enabled) return;
    if (this.stream.isTTY === true) {
      this.stream.write(`${CLEAR_LINE}${text}`);
      return;
    }
    const now = performance.now();
    if (now - this.lastPlainMs < 2_000) return;
    this.lastPlainMs = now;
    this.stream.write(`${text}\n`);
  }

  done(): void {
    if (this.enabled && this.stream.isTTY === true) this.stream.write(CLEAR_LINE);
  }
}
