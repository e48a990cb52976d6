// A minimal RESP2 client for the gateway tests: it writes raw bytes and reads typed replies
// (simple strings as '+TEXT', errors as '-TEXT', integers as numbers, bulks as strings or null,
// arrays as arrays), so tests can check exact wire behaviour, including malformed input.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export type Reply = string | number | null | Reply[];

export class RespClient {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<RespClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RespClient(socket);
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one command as an array of bulk strings. */
  command(...args: (string | Buffer)[]): void {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const b = typeof a === 'string' ? Buffer.from(a) : a;
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    this.socket.write(Buffer.concat(parts));
  }

  async call(...args: (string | Buffer)[]): Promise<Reply> {
    this.command(...args);
    return this.read();
  }

  /** The next reply; rejects if the connection closes first or nothing comes within the timeout. */
  async read(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (parsed !== undefined) {
        this.buffer = this.buffer.subarray(parsed.end);
        return parsed.value;
      }
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('no reply in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async readMany(n: number): Promise<Reply[]> {
    const out: Reply[] = [];
    for (let i = 0; i < n; i++) out.push(await this.read());
    return out;
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function parseReply(b: Buffer, at: number): { value: Reply; end: number } | undefined {
  const lineEnd = b.indexOf('\r\n', at);
  if (lineEnd === -1) return undefined;
  const line = b.toString('latin1', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(b[at] as number)) {
    case '+':
      return { value: `+${line}`, end: next };
    case '-':
      return { value: `-${line}`, end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (b.length < next + n + 2) return undefined;
      return { value: b.toString('latin1', next, next + n), end: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      const items: Reply[] = [];
      let end = next;
      for (let i = 0; i < n; i++) {
        const item = parseReply(b, end);
        if (item === undefined) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`bad reply byte ${b[at]}`);
  }
}
