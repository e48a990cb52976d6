/**
 * RFC 4180 CSV for experiment and benchmark results, so a spreadsheet or a plotting script reads
 * them without guessing: CRLF line ends, and a field is quoted when it holds a comma, a quote, a
 * line break or surrounding spaces (a quote inside is doubled).
 */
import { writeFile } from 'node:fs/promises';

/** One cell: `null` and `undefined` become an empty field, numbers print in full. */
export type CsvValue = string | number | boolean | bigint | null | undefined;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole document: the header, then one record per row, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header, ...rows].map((r, i) => {
    if (r.length !== header.length)
      throw new RangeError(`CSV row ${i} has ${r.length} fields, the header has ${header.length}`);
    return r.map(csvField).join(',');
  });
  return lines.map((l) => `${l}\r\n`).join('');
}

export async function writeCsv(
  path: string,
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
): Promise<void> {
  await writeFile(path, toCsv(header, rows));
}
