/**
 * What every `bulwark experiment …` shares: running a grid of cells one after another with a
 * progress line, carrying on past a failed cell (it is reported, not fatal: a long sweep should
 * not be lost to one bad run), and writing the results as CSV, SVG figures and a markdown table
 * into one output directory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toCsv, type CsvValue } from '../report/csv.js';
import { progress, type ProgressStream } from '../report/progress.js';

export interface CellOutcome<C, R> {
  readonly cell: C;
  readonly rep: number;
  readonly result?: R;
  /** Why the cell failed, when it did. */
  readonly error?: string;
}

export interface RunOptions<C, R> {
  readonly name: string;
  readonly cells: readonly C[];
  readonly reps: number;
  readonly run: (cell: C, rep: number) => Promise<R>;
  readonly label: (cell: C) => string;
  readonly progress?: { readonly enabled: boolean; readonly stream?: ProgressStream };
}

/** Runs every cell `reps` times, in order (so reps of a cell are spread out in time). */
export async function runExperiment<C, R>(o: RunOptions<C, R>): Promise<CellOutcome<C, R>[]> {
  const bar = progress(o.name, o.cells.length * o.reps, {
    enabled: o.progress?.enabled ?? true,
    stream: o.progress?.stream,
    everyPercent: 5,
  });
  const outcomes: CellOutcome<C, R>[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    for (const cell of o.cells) {
      try {
        outcomes.push({ cell, rep, result: await o.run(cell, rep) });
        bar.tick(o.label(cell));
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        outcomes.push({ cell, rep, error });
        bar.tick(`${o.label(cell)} FAILED: ${error}`);
      }
    }
  }
  bar.done();
  return outcomes;
}

export interface ExperimentFiles {
  readonly name: string;
  readonly csv: { readonly header: readonly string[]; readonly rows: readonly (readonly CsvValue[])[] };
  /** SVG figures: file suffix (e.g. 'fig5a') and content. */
  readonly figures: readonly { readonly suffix: string; readonly svg: string }[];
  readonly markdown: string;
}

/** Writes name.csv, name-<suffix>.svg and name.md into `dir` (created); returns the paths. */
export async function writeExperiment(dir: string, files: ExperimentFiles): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const put = async (file: string, text: string) => {
    const path = join(dir, file);
    await writeFile(path, text);
    paths.push(path);
  };
  await put(`${files.name}.csv`, toCsv(files.csv.header, files.csv.rows));
  for (const f of files.figures) await put(`${files.name}-${f.suffix}.svg`, f.svg);
  await put(`${files.name}.md`, files.markdown);
  return paths;
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A number for a table: NaN (a failed cell) as a dash, otherwise rounded to `digits`. */
export function cell(x: number, digits = 1): string | number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : '–';
}
