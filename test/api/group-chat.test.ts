// Proves the chat example end to end over TCP, one process per member: members 0, 1 and 2 run
// examples/chat.js (GroupChannel only) and type lines on its standard input; member 3 is a corrupt
// member, `bulwark group-member --inject mutant`, which multicasts lines of its own while telling
// different members different messages under one sequence number. Every chat shows a view without
// member 3; lines typed after it reach all three chats; and the three print one transcript: the same
// lines in the same order (total order), with the views in the same places (view synchrony).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateGroup, writeGroupDir } from '../../src/runtime/group/group-file.js';
import { freePorts } from '../../src/runtime/launcher.js';
import { SLOW_MACHINE } from '../runtime/group-helpers.js';

const chatJs = fileURLToPath(new URL('../../examples/chat.js', import.meta.url));
const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Proc {
  readonly child: ChildProcess;
  /** Every line printed so far. */
  readonly lines: string[];
}

let dir = '';
const procs: Proc[] = [];

function start(args: string[]): Proc {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const p: Proc = { child, lines: [] };
  let rest = '';
  child.stdout?.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    p.lines.push(...parts);
  });
  return p;
}

/** Polls until `test` holds for the process's lines; fails with what it printed. */
async function until(p: Proc, what: string, test: (lines: string[]) => boolean, timeoutMs = 12_000) {
  const deadline = performance.now() + timeoutMs;
  while (!test(p.lines)) {
    if (performance.now() > deadline)
      assert.fail(`${what}: not seen within ${timeoutMs} ms; printed:\n${p.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const say = (p: Proc, line: string) => p.child.stdin?.write(line + '\n');

describe('the chat example over TCP with a mutant member', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-chat-'));
    // Generous timeouts: a member starved of CPU on a busy machine is not taken for a faulty one.
    const tuning = SLOW_MACHINE;
    const made = generateGroup({ n: 4, ports: await freePorts(4), tuning });
    assert.ok(made.ok);
    assert.ok((await writeGroupDir(dir, made.value)).ok);
    for (const id of [0, 1, 2]) procs.push(start([chatJs, dir, String(id)]));
    procs.push(start([cliMain, 'group-member', '--config', dir, '--id', '3', '--inject', 'mutant']));
  });

  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('the three correct members chat, the mutant is excluded, and the chat goes on', async () => {
    const chats = procs.slice(0, 3) as Proc[];
    const mutant = procs[3] as Proc;
    for (const c of chats) await until(c, 'view 0', (ls) => ls.includes('* view 0: members 0, 1, 2, 3'));
    for (const [i, c] of chats.entries()) say(c, `hello from ${i}`);
    for (let k = 0; k < 4; k++) say(mutant, `lie ${k}`);
    const first = chats.map((_, i) => `[${i}] hello from ${i}`);
    for (const c of chats) await until(c, 'the first lines', (ls) => first.every((l) => ls.includes(l)));
    const excluded = /^\* view \d+: members 0, 1, 2 \(3 left\)$/;
    for (const c of chats) await until(c, 'the view without 3', (ls) => ls.some((l) => excluded.test(l)));
    for (const [i, c] of chats.entries()) say(c, `after from ${i}`);
    const afterLines = chats.map((_, i) => `[${i}] after from ${i}`);
    for (const c of chats) {
      await until(c, 'lines after the exclusion', (ls) => afterLines.every((l) => ls.includes(l)));
      const at = c.lines.findIndex((l) => excluded.test(l));
      assert.ok(
        afterLines.every((l) => c.lines.indexOf(l) > at),
        'a line typed after the exclusion came before it',
      );
    }
    // One transcript: the same messages, in the same order, with the views in the same places.
    const transcripts = chats.map((c) => c.lines.filter((l) => l.startsWith('[') || l.startsWith('* view')));
    for (const t of transcripts) assert.deepEqual(t, transcripts[0], 'the chats disagree');
  });
});
