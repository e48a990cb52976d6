// Proves `bulwark up` works end to end with real processes and unmodified Redis tools: it starts
// `bulwark up --protocol pbft --n 4 --port 0` (four PBFT replica processes running the key-value
// service, and the gateway), drives it with the real `redis-cli` (every supported command, CAS,
// an unknown command) and a raw socket (malformed input), runs `redis-benchmark -t set,get`
// through it without errors, then sends SIGINT and checks a clean exit: status 0, no replica
// process left, the temporary cluster directory removed. Without redis-tools it fails, saying so.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RespClient } from './resp-client.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const INSTALL =
  'redis-cli and redis-benchmark are required: install the Debian package redis-tools (apt-get install -y redis-tools)';

let up: ChildProcess | undefined;
let stdout = '';
let port = 0;
let dir = '';
let replicaPids: number[] = [];

function hasTool(name: string): boolean {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

function redisCli(...args: string[]): { out: string; status: number | null } {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { out: (r.stdout ?? '').trim(), status: r.status };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the gateway port once `up` has printed where everything listens. */
function waitForGateway(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bulwark up not ready within ${timeoutMs} ms:\n${stdout}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /gateway: redis:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      resolve(Number(m[1]));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bulwark up exited with ${code} before it was ready:\n${stdout}`));
    });
  });
}

before(async () => {
  assert.ok(hasTool('redis-cli') && hasTool('redis-benchmark'), INSTALL);
  up = spawn(process.execPath, [cliMain, 'up', '--protocol', 'pbft', '--n', '4', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  port = await waitForGateway(up, 30_000);
  replicaPids = [...stdout.matchAll(/^replica \d+\s+(\d+)/gm)].map((m) => Number(m[1]));
  dir = /cluster dir: (\S+)/.exec(stdout)?.[1] ?? '';
});

after(() => {
  // Only if a test failed before the clean stop: leave nothing behind.
  if (up !== undefined && up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
  for (const pid of replicaPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('bulwark up with redis-cli and redis-benchmark', () => {
  it('prints four PBFT replicas, the gateway and the cluster directory', () => {
    assert.match(stdout, /4 pbft replicas \(f = 1\)/);
    assert.equal(replicaPids.length, 4, stdout);
    assert.ok(existsSync(dir), `cluster dir ${dir}`);
  });

  it('answers redis-cli for every supported command', () => {
    const cases: [string[], string][] = [
      [['set', 'k', 'v'], 'OK'],
      [['get', 'k'], 'v'],
      [['incr', 'n'], '1'],
      [['incrby', 'n', '9'], '10'],
      [['mget', 'k', 'n', 'missing'], 'v\n10\n'],
      [['exists', 'k', 'n', 'missing'], '2'],
      [['cas', 'k', 'v', 'w'], '1'],
      [['cas', 'k', 'v', 'x'], '0'],
      [['get', 'k'], 'w'],
      [['setnx', 'k', 'y'], '0'],
      [['del', 'k', 'missing'], '1'],
      [['exists', 'k'], '0'],
      [['incr', 'n'], '11'],
      [['ping'], 'PONG'],
    ];
    for (const [args, expected] of cases)
      assert.equal(redisCli(...args).out, expected.trim(), args.join(' '));
    assert.equal(redisCli('incr', 'n', 'extra').out, "ERR wrong number of arguments for 'incr' command");
    assert.equal(
      redisCli('flushall', 'a').out,
      "ERR unknown command 'flushall', with args beginning with: 'a'",
    );
  });

  it('closes a connection that sends malformed RESP, and keeps serving', async () => {
    const raw = await RespClient.connect(port);
    raw.send('*2\r\n$3\r\nGET\r\n:1\r\n');
    assert.equal(await raw.read(), "-ERR Protocol error: expected '$', got ':'");
    await raw.waitClosed();
    assert.equal(redisCli('get', 'n').out, '11');
  });

  it('completes redis-benchmark -t set,get without errors', () => {
    const r = spawnSync(
      'redis-benchmark',
      ['-p', String(port), '-t', 'set,get', '-n', '2000', '-c', '8', '-q'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, out);
    assert.doesNotMatch(out, /error|WARNING/i);
    assert.match(out, /SET: [\d.]+ requests per second/);
    assert.match(out, /GET: [\d.]+ requests per second/);
  });

  it('stops everything cleanly on SIGINT', async () => {
    const child = up as ChildProcess;
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = (await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r(['timeout']), 20_000)),
    ])) as [unknown];
    assert.equal(code, 0, `exit ${String(code)}:\n${stdout}`);
    assert.match(stdout, /stopped\./);
    for (const pid of replicaPids) assert.ok(!alive(pid), `replica process ${pid} is still running`);
    assert.ok(!existsSync(dir), `${dir} should be removed`);
  });
});
