// Proves the CSV writer follows RFC 4180 (parsing its output with an independent RFC 4180 reader gives back the same fields, for arbitrary text), that markdown tables are aligned and escaped, and that the progress display prints a bounded number of lines off a terminal and rewrites one line on a terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toCsv } from '../../src/report/csv.js';
import { markdownTable } from '../../src/report/markdown.js';
import { progress } from '../../src/report/progress.js';

/** An RFC 4180 reader written from the grammar, independent of the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        assert.ok(q >= 0, 'unterminated quoted field');
        field += text.slice(i, q);
        i = q + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      field = text.slice(i, end < 0 ? text.length : i + end);
      assert.doesNotMatch(field, /["\r\n]/, 'unquoted field holds a quote or line break');
      i += field.length;
    }
    fields.push(field);
    if (text[i] === ',') i++;
    else {
      assert.equal(text.slice(i, i + 2), '\r\n', 'a record ends with CRLF');
      i += 2;
      records.push(fields);
      fields = [];
    }
  }
  return records;
}

describe('csv', () => {
  it('round-trips arbitrary fields through an RFC 4180 reader', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((w) =>
          fc.array(fc.array(fc.string({ unit: 'grapheme-ascii' }), { minLength: w, maxLength: w }), {
            maxLength: 5,
          }),
        ),
        (rows) => {
          fc.pre(rows.length > 0);
          const [header, ...body] = rows as [string[], ...string[][]];
          assert.deepEqual(parseCsv(toCsv(header, body)), rows);
        },
      ),
    );
  });

  it('writes numbers, empty cells and quotes as the RFC says', () => {
    assert.equal(
      toCsv(
        ['n', 'note', 'ms'],
        [
          [4, 'a "b", c', null],
          [7, ' padded', 1.5],
        ],
      ),
      'n,note,ms\r\n4,"a ""b"", c",\r\n7," padded",1.5\r\n',
    );
    assert.throws(() => toCsv(['a', 'b'], [[1]]), /row 1 has 1 fields/);
  });
});

describe('markdownTable', () => {
  it('pads columns to one width, right-aligns numbers and escapes pipes', () => {
    const t = markdownTable(
      ['protocol', 'ops/s'],
      [
        ['pbft | n=4', 9120],
        ['sequencer', 31000.5],
      ],
    );
    assert.equal(
      t,
      [
        '| protocol    |   ops/s |',
        '| ----------- | ------: |',
        '| pbft \\| n=4 |    9120 |',
        '| sequencer   | 31000.5 |',
      ].join('\n'),
    );
    const lines = markdownTable(['a', 'b'], [['x', 'multi\nline']], { align: ['center', 'left'] }).split(
      '\n',
    );
    assert.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line has the same width');
    assert.match(lines[1]!, /^\| :-: \| -+ \|$/);
    assert.match(lines[2]!, /multi<br>line/);
  });
});

describe('progress', () => {
  const recorder = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } };
  };

  it('off a terminal prints a line every N percent, then the total', () => {
    const { writes, stream } = recorder(false);
    let now = 0;
    const p = progress('sweep', 1000, { stream, everyPercent: 25, nowMs: () => now });
    for (let i = 0; i < 1000; i++) {
      now += 10;
      p.tick(`seed ${i}`);
    }
    p.done();
    assert.equal(writes.length, 5, writes.join(''));
    assert.match(writes[0]!, /^sweep 250\/1000 \(25%\) eta 7\.5s seed 249\n$/);
    assert.equal(writes[4], 'sweep 1000/1000 done in 10s\n');
  });

  it('on a terminal rewrites one line, at most ten times a second', () => {
    const { writes, stream } = recorder(true);
    let now = 0;
    const p = progress('cells', 100, { stream, nowMs: () => now });
    for (let i = 0; i < 100; i++) {
      now += 5;
      p.tick();
    }
    p.done();
    assert.ok(writes.every((w) => w.startsWith('\r\x1b[2K')));
    assert.ok(writes.length >= 5 && writes.length <= 8, `${writes.length} redraws`);
    assert.equal(writes.at(-1), '\r\x1b[2Kcells 100/100 done in 0.5s\n');
    const silent = recorder(false);
    const q = progress('quiet', 3, { stream: silent.stream, enabled: false });
    q.tick();
    q.done();
    assert.deepEqual(silent.writes, []);
  });
});
