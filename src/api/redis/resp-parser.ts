/**
 * An incremental, bounded RESP2 request parser: arrays of bulk strings (what redis-cli and
 * redis-benchmark send) and inline commands (`PING\r\n`, as telnet users and redis-benchmark's
 * PING_INLINE do). Input arrives in arbitrary fragments; `next()` returns one command at a time,
 * so a connection can stop parsing while its pipeline is full and leave the rest buffered.
 *
 * Strict where Redis is lenient (headers must end in CRLF, a bulk must be followed by CRLF) and
 * bounded everywhere: argument count, bulk length, a whole command's bytes, header and inline
 * line lengths. A violation is a protocol error with Redis's wording ("Protocol error: ..."); the
 * parser stops there, as Redis closes such a connection after replying.
 */
import { limits } from '../../core/limits.js';

export interface RespBounds {
  /** Arguments of one command, the command name included. */
  readonly argsMax: number;
  /** One bulk string's bytes. */
  readonly bulkBytesMax: number;
  /** One command's bulk bytes in total. */
  readonly commandBytesMax: number;
  /** One inline command line's bytes. */
  readonly inlineBytesMax: number;
}

export const defaultRespBounds: RespBounds = {
  argsMax: limits.respArgsMax,
  // A bulk may carry a whole value with room to spare; the command checks values precisely.
  bulkBytesMax: limits.kvValueBytesMax + 1024,
  commandBytesMax: limits.respCommandBytesMax,
  inlineBytesMax: limits.respInlineBytesMax,
};

export type Parsed =
  | { readonly kind: 'command'; readonly args: Buffer[] }
  | { readonly kind: 'error'; readonly message: string };

/** "*<count>\r\n" and "$<length>\r\n" lines: a 20-digit number, a sign, CR. */
const HEADER_LINE_BYTES_MAX = 32;
const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;
const TOO_LONG = Symbol('too long');

type State = 'start' | 'count' | 'dollar' | 'length' | 'body' | 'inline' | 'failed';

export class RespParser {
  private readonly chunks: Buffer[] = [];
  /** Read position in chunks[0]. */
  private offset = 0;
  private unread = 0;
  private state: State = 'start';
  private lineParts: Buffer[] = [];
  private lineBytes = 0;
  private args: Buffer[] = [];
  private argsLeft = 0;
  private commandBytes = 0;
  private bodyParts: Buffer[] = [];
  /** Bytes of the current bulk still to come, its CRLF included. */
  private bodyLeft = 0;
  private bodyLength = 0;

  constructor(private readonly bounds: RespBounds = defaultRespBounds) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.state === 'failed') return;
    this.chunks.push(chunk);
    this.unread += chunk.length;
  }

  /** Bytes received and not yet returned in a command: unread input and a partly read command. */
  get bufferedBytes(): number {
    const body = this.state === 'body' ? this.bodyLength + 2 - this.bodyLeft : 0;
    let args = 0;
    for (const a of this.args) args += a.length;
    return this.unread + this.lineBytes + body + args;
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /** The next complete command, a protocol error (after which nothing more is parsed), or undefined if more input is needed. */
  next(): Parsed | undefined {
    while (this.state !== 'failed') {
      const chunk = this.chunks[0];
      if (chunk === undefined) return undefined;
      if (this.offset >= chunk.length) {
        this.chunks.shift();
        this.offset = 0;
        continue;
      }
      const before = this.offset;
      const out = this.step(chunk);
      // A protocol error dropped all input; otherwise what the step read is no longer unread.
      this.unread = this.failed ? 0 : this.unread - (this.offset - before);
      if (out !== undefined) return out;
    }
    return undefined;
  }

  private step(chunk: Buffer): Parsed | undefined {
    switch (this.state) {
      case 'start':
        if (chunk[this.offset] === STAR) {
          this.offset++;
          this.state = 'count';
        } else this.state = 'inline';
        return undefined;
      case 'count':
        return this.onCountLine(this.readLine(chunk, HEADER_LINE_BYTES_MAX));
      case 'dollar': {
        const b = chunk[this.offset++] as number;
        if (b !== DOLLAR) return this.fail(`expected '$', got '${String.fromCharCode(b)}'`);
        this.state = 'length';
        return undefined;
      }
      case 'length':
        return this.onLengthLine(this.readLine(chunk, HEADER_LINE_BYTES_MAX));
      case 'body':
        return this.onBody(chunk);
      case 'inline':
        return this.onInlineLine(this.readLine(chunk, this.bounds.inlineBytesMax));
      case 'failed':
        return undefined;
    }
  }

  private onCountLine(line: Buffer | undefined | typeof TOO_LONG): Parsed | undefined {
    if (line === undefined) return undefined;
    if (line === TOO_LONG) return this.fail('too big mbulk count string');
    const count = parseHeaderNumber(line);
    if (count === undefined || count > this.bounds.argsMax) return this.fail('invalid multibulk length');
    // Redis: an empty or null array is no command at all.
    if (count <= 0) {
      this.state = 'start';
      return undefined;
    }
    this.args = [];
    this.argsLeft = count;
    this.commandBytes = 0;
    this.state = 'dollar';
    return undefined;
  }

  private onLengthLine(line: Buffer | undefined | typeof TOO_LONG): Parsed | undefined {
    if (line === undefined) return undefined;
    if (line === TOO_LONG) return this.fail('too big bulk count string');
    const length = parseHeaderNumber(line);
    if (length === undefined || length < 0 || length > this.bounds.bulkBytesMax)
      return this.fail('invalid bulk length');
    this.commandBytes += length;
    if (this.commandBytes > this.bounds.commandBytesMax) return this.fail('too big request');
    this.bodyLength = length;
    this.bodyLeft = length + 2;
    this.bodyParts = [];
    this.state = 'body';
    return undefined;
  }

  private onBody(chunk: Buffer): Parsed | undefined {
    const take = Math.min(this.bodyLeft, chunk.length - this.offset);
    this.bodyParts.push(chunk.subarray(this.offset, this.offset + take));
    this.offset += take;
    this.bodyLeft -= take;
    if (this.bodyLeft > 0) return undefined;
    const parts = this.bodyParts;
    this.bodyParts = [];
    const body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    if (body[this.bodyLength] !== CR || body[this.bodyLength + 1] !== LF)
      return this.fail('expected CRLF after a bulk string');
    this.args.push(body.subarray(0, this.bodyLength));
    if (--this.argsLeft > 0) {
      this.state = 'dollar';
      return undefined;
    }
    this.state = 'start';
    const args = this.args;
    this.args = [];
    return { kind: 'command', args };
  }

  private onInlineLine(line: Buffer | undefined | typeof TOO_LONG): Parsed | undefined {
    if (line === undefined) return undefined;
    if (line === TOO_LONG) return this.fail('too big inline request');
    const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    const args = splitInline(line.subarray(0, end));
    if (args === undefined) return this.fail('unbalanced quotes in request');
    this.state = 'start';
    if (args.length === 0) return undefined;
    if (args.length > this.bounds.argsMax) return this.fail('invalid multibulk length');
    return { kind: 'command', args };
  }

  /** Bytes up to LF (excluded), across fragments; undefined until the LF arrives. */
  private readLine(chunk: Buffer, max: number): Buffer | undefined | typeof TOO_LONG {
    const lf = chunk.indexOf(LF, this.offset);
    const end = lf === -1 ? chunk.length : lf;
    this.lineBytes += end - this.offset;
    if (this.lineBytes > max) return TOO_LONG;
    this.lineParts.push(chunk.subarray(this.offset, end));
    this.offset = lf === -1 ? chunk.length : lf + 1;
    if (lf === -1) return undefined;
    const parts = this.lineParts;
    this.lineParts = [];
    this.lineBytes = 0;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  private fail(what: string): Parsed {
    this.state = 'failed';
    this.chunks.length = 0;
    this.offset = 0;
    this.lineParts = [];
    this.lineBytes = 0;
    this.bodyParts = [];
    this.args = [];
    return { kind: 'error', message: `ERR Protocol error: ${what}` };
  }
}

/** The number of a header line that must end in CR: digits with an optional '-', as Redis's string2ll reads them. */
function parseHeaderNumber(line: Buffer): number | undefined {
  if (line.length < 2 || line[line.length - 1] !== CR) return undefined;
  const text = line.toString('latin1', 0, line.length - 1);
  if (!/^-?(0|[1-9][0-9]{0,17})$/.test(text)) return undefined;
  return Number(text);
}

const isSpace = (c: number | undefined): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d;

/**
 * Splits an inline command as Redis's sdssplitargs does: arguments separated by spaces,
 * "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' with \' only, a
 * closing quote must be followed by a space or the end. Undefined for unbalanced quotes.
 */
export function splitInline(line: Buffer): Buffer[] | undefined {
  const args: Buffer[] = [];
  let p = 0;
  for (;;) {
    while (p < line.length && isSpace(line[p])) p++;
    // C strings end at NUL: so does an inline command for Redis.
    if (p >= line.length || line[p] === 0) return args;
    const arg = readInlineArg(line, p);
    if (arg === undefined) return undefined;
    args.push(Buffer.from(arg.bytes));
    p = arg.next;
  }
}

const ESCAPES: Readonly<Record<number, number>> = {
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x62: 0x08,
  0x61: 0x07,
};

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function readInlineArg(line: Buffer, start: number): { bytes: number[]; next: number } | undefined {
  const out: number[] = [];
  let quote: 0 | 0x22 | 0x27 = 0;
  let p = start;
  for (;;) {
    const c = line[p];
    if (quote === 0) {
      if (c === undefined || c === 0 || isSpace(c)) return { bytes: out, next: p };
      if (c === 0x22 || c === 0x27) quote = c;
      else out.push(c);
      p++;
      continue;
    }
    if (c === undefined || c === 0) return undefined;
    if (c === quote) {
      // The closing quote must end the argument.
      const after = line[p + 1];
      if (after !== undefined && after !== 0 && !isSpace(after)) return undefined;
      return { bytes: out, next: p + 1 };
    }
    const n = line[p + 1];
    if (
      quote === 0x22 &&
      c === 0x5c &&
      n === 0x78 &&
      hexValue(line[p + 2]) >= 0 &&
      hexValue(line[p + 3]) >= 0
    ) {
      out.push(hexValue(line[p + 2]) * 16 + hexValue(line[p + 3]));
      p += 4;
    } else if (quote === 0x22 && c === 0x5c && n !== undefined) {
      out.push(ESCAPES[n] ?? n);
      p += 2;
    } else if (quote === 0x27 && c === 0x5c && n === 0x27) {
      out.push(0x27);
      p += 2;
    } else {
      out.push(c);
      p++;
    }
  }
}
