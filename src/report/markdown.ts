/**
 * Markdown tables for reports, padded so the table also reads as plain text. Columns whose cells
 * are all numbers are right-aligned (the separator says so too), so magnitudes line up.
 */

export type MarkdownCell = string | number | null | undefined;
export type Alignment = 'left' | 'right' | 'center';

export interface MarkdownTableOptions {
  /** Per column; by default numeric columns go right and the rest left. */
  readonly align?: readonly Alignment[];
}

/** A cell as table text: a `|` would end the cell and a line break the row, so both are escaped. */
function cellText(c: MarkdownCell): string {
  if (c === null || c === undefined) return '';
  return String(c).replaceAll('|', '\\|').replace(/\r?\n/g, '<br>');
}

function defaultAlignment(column: readonly MarkdownCell[]): Alignment {
  const filled = column.filter((c) => c !== null && c !== undefined && c !== '');
  return filled.length > 0 && filled.every((c) => typeof c === 'number') ? 'right' : 'left';
}

function pad(text: string, width: number, align: Alignment): string {
  if (align === 'right') return text.padStart(width);
  if (align === 'center') {
    const left = Math.floor((width - text.length) / 2);
    return (' '.repeat(left) + text).padEnd(width);
  }
  return text.padEnd(width);
}

function separator(width: number, align: Alignment): string {
  if (align === 'right') return '-'.repeat(width - 1) + ':';
  if (align === 'center') return ':' + '-'.repeat(width - 2) + ':';
  return '-'.repeat(width);
}

export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly MarkdownCell[])[],
  options: MarkdownTableOptions = {},
): string {
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new RangeError(`table row ${i} has ${r.length} cells, the header has ${header.length}`);
  });
  const aligns = header.map((_, i) => options.align?.[i] ?? defaultAlignment(rows.map((r) => r[i])));
  const text = [header.map(cellText), ...rows.map((r) => r.map(cellText))];
  // Three characters at least, so a centred separator (`:-:`) stays valid.
  const widths = header.map((_, i) => Math.max(3, ...text.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(text[0]!.map((c, i) => pad(c, widths[i]!, aligns[i]!))),
    line(widths.map((w, i) => separator(w, aligns[i]!))),
    ...text.slice(1).map((r) => line(r.map((c, i) => pad(c, widths[i]!, aligns[i]!)))),
  ].join('\n');
}
