// Proves the RESP2 parser is incremental, strict and bounded: the same commands come out whether
// the input arrives whole, split at every byte boundary, or byte by byte; pipelined commands come
// out in order; inline commands split like Redis's sdssplitargs; every bound and malformed
// header gives Redis's "Protocol error" wording and stops the parser; random bytes never throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RespParser, splitInline, type Parsed, type RespBounds } from '../../src/api/redis/resp-parser.js';
import { SeededRng } from '../../src/core/rng.js';

const bounds: RespBounds = { argsMax: 8, bulkBytesMax: 64, commandBytesMax: 100, inlineBytesMax: 40 };

/** Feeds the chunks one by one, collecting everything parsed after each. */
function parse(chunks: (string | Buffer)[], b: RespBounds = bounds): Parsed[] {
  const p = new RespParser(b);
  const out: Parsed[] = [];
  for (const c of chunks) {
    p.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    for (let r = p.next(); r !== undefined; r = p.next()) out.push(r);
  }
  return out;
}

const commands = (ps: Parsed[]) =>
  ps.map((p) => (p.kind === 'command' ? p.args.map((a) => a.toString('latin1')) : `error: ${p.message}`));

const pipeline =
  '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n' + // a bulk may hold CR LF
  'PING\r\n' +
  '*0\r\n*-1\r\n' + // empty and null arrays: no command, as in Redis
  '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n' +
  "  set  \"q\\x41\\n\"  'it\\'s'\n" +
  '\r\n' + // an empty inline line: nothing
  '*1\r\n$4\r\nQUIT\r\n';
const expected = [['SET', 'k', 'a\r\nb'], ['PING'], ['ECHO', ''], ['set', 'qA\n', "it's"], ['QUIT']];

describe('RESP2 parser', () => {
  it('parses pipelined arrays and inline commands in order', () => {
    assert.deepEqual(commands(parse([pipeline])), expected);
  });

  it('gives the same commands when the input is split at any byte boundary', () => {
    for (let i = 0; i <= pipeline.length; i++) {
      assert.deepEqual(commands(parse([pipeline.slice(0, i), pipeline.slice(i)])), expected, `split at ${i}`);
    }
    for (let i = 0; i < pipeline.length; i++) {
      for (let j = i; j <= pipeline.length; j += 7) {
        const parts = [pipeline.slice(0, i), pipeline.slice(i, j), pipeline.slice(j)];
        assert.deepEqual(commands(parse(parts)), expected, `split at ${i} and ${j}`);
      }
    }
    assert.deepEqual(commands(parse([...pipeline])), expected, 'byte by byte');
  });

  it('returns one command at a time, leaving the rest buffered', () => {
    const p = new RespParser(bounds);
    p.push(Buffer.from('PING\r\nPING\r\nPIN'));
    assert.equal(p.next()?.kind, 'command');
    assert.equal(p.bufferedBytes, 9);
    assert.equal(p.next()?.kind, 'command');
    assert.equal(p.next(), undefined);
    assert.equal(p.bufferedBytes, 3);
    p.push(Buffer.from('G\r\n'));
    assert.deepEqual(commands([p.next() as Parsed]), [['PING']]);
  });

  it('splits inline arguments as sdssplitargs does', () => {
    const split = (s: string) => splitInline(Buffer.from(s, 'latin1'))?.map((a) => a.toString('latin1'));
    assert.deepEqual(split('a  b\tc'), ['a', 'b', 'c']);
    assert.deepEqual(split('"a b" \'c d\' ""'), ['a b', 'c d', '']);
    assert.deepEqual(split('"\\t\\r\\x7a\\xZZ\\q"'), ['\t\rzxZZq']);
    assert.deepEqual(split("'a\\nb'"), ['a\\nb'], 'single quotes keep backslashes');
    assert.deepEqual(split(''), []);
    for (const bad of ['"abc', "'abc", '"a"b', "'a'b", '"a\\"']) assert.equal(split(bad), undefined, bad);
  });

  it('stops at protocol errors with Redis wording', () => {
    const cases: [string, string][] = [
      ['*1\r\n:3\r\n', "expected '$', got ':'"],
      ['*x\r\n', 'invalid multibulk length'],
      ['*1\n$1\r\na\r\n', 'invalid multibulk length'],
      ['*9\r\n', 'invalid multibulk length'],
      ['*1\r\n$-1\r\n', 'invalid bulk length'],
      ['*1\r\n$65\r\n', 'invalid bulk length'],
      ['*1\r\n$1x\r\n', 'invalid bulk length'],
      ['*1\r\n$3\r\nabcXY', 'expected CRLF after a bulk string'],
      [`*1\r\n$${'1'.repeat(40)}\r\n`, 'too big bulk count string'],
      [`*${'1'.repeat(40)}`, 'too big mbulk count string'],
      ['"unbalanced\r\n', 'unbalanced quotes in request'],
      ['x'.repeat(41), 'too big inline request'],
      ['*2\r\n$60\r\n' + 'a'.repeat(60) + '\r\n$60\r\n', 'too big request'],
    ];
    for (const [input, message] of cases) {
      const out = parse([input, 'PING\r\n']);
      assert.deepEqual(commands(out), [`error: ERR Protocol error: ${message}`], JSON.stringify(input));
    }
  });

  it('parses nothing more after a protocol error', () => {
    const p = new RespParser(bounds);
    p.push(Buffer.from('PING\r\n*x\r\nPING\r\n'));
    assert.equal(p.next()?.kind, 'command');
    assert.equal(p.next()?.kind, 'error');
    assert.ok(p.failed);
    p.push(Buffer.from('PING\r\n'));
    assert.equal(p.next(), undefined);
    assert.equal(p.bufferedBytes, 0);
  });

  it('accepts a command exactly at the bounds, and refuses one byte more', () => {
    const command = (lastBulk: number, others = 4) =>
      '*8\r\n' +
      `$${others}\r\n${'a'.repeat(others)}\r\n`.repeat(7) +
      `$${lastBulk}\r\n${'z'.repeat(lastBulk)}\r\n`;
    assert.equal(parse([command(64)])[0]?.kind, 'command', '8 arguments, a 64-byte bulk, 92 bytes');
    assert.equal(parse([command(64, 5)])[0]?.kind, 'command', '99 bytes');
    assert.deepEqual(commands(parse([command(65)])), ['error: ERR Protocol error: invalid bulk length']);
    assert.deepEqual(commands(parse([command(64, 6)])), ['error: ERR Protocol error: too big request']);
    const inline = 'a '.repeat(8);
    assert.equal(parse([`${inline}\r\n`])[0]?.kind, 'command');
    assert.deepEqual(commands(parse([`${inline}b\r\n`])), [
      'error: ERR Protocol error: invalid multibulk length',
    ]);
  });

  it('never throws on random bytes, and every outcome is a command or an error', () => {
    const rng = new SeededRng(42);
    const alphabet = Buffer.from('*$\r\n0123456789-"\' \\xabPING', 'latin1');
    for (let run = 0; run < 2000; run++) {
      const bytes = Buffer.alloc(1 + rng.int(80));
      for (let i = 0; i < bytes.length; i++)
        bytes[i] = rng.int(4) === 0 ? rng.int(256) : (alphabet[rng.int(alphabet.length)] as number);
      const cut = rng.int(bytes.length + 1);
      const out = parse([bytes.subarray(0, cut), bytes.subarray(cut)]);
      for (const o of out)
        assert.ok(
          o.kind === 'command'
            ? o.args.length > 0 && o.args.length <= 8
            : /^ERR Protocol error: /.test(o.message),
        );
      assert.ok(out.filter((o) => o.kind === 'error').length <= 1);
    }
  });
});
