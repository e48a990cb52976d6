// A client of the gateway that is a real `redis-cli` process, fed one command at a time on its
// standard input, with the time of each call and return recorded for linearizability checking.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export class RedisCliSession {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffered = '';
  private waiting: ((line: string) => void) | undefined;

  constructor(port: number) {
    this.proc = spawn('redis-cli', ['-p', String(port)]);
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      this.buffered += d;
      this.drain();
    });
  }

  /** Sends one command and resolves with its reply line (raw mode: values as they are, nil as ''). */
  command(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.proc.stdin.write(line + '\n');
      this.drain();
    });
  }

  private drain(): void {
    const nl = this.buffered.indexOf('\n');
    if (nl < 0 || this.waiting === undefined) return;
    const line = this.buffered.slice(0, nl);
    this.buffered = this.buffered.slice(nl + 1);
    const w = this.waiting;
    this.waiting = undefined;
    w(line);
  }

  close(): void {
    this.proc.stdin.end();
  }
}

export function haveRedisCli(): boolean {
  try {
    return spawnSyncOk('redis-cli', ['--version']);
  } catch {
    return false;
  }
}

import { spawnSync } from 'node:child_process';
function spawnSyncOk(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args).status === 0;
}
