// Proves the chat example end to end over TCP, one process per member: members 0, 1 and 2 run
// examples/chat.js (GroupChannel only) and type lines on its standard input; member 3 is a corrupt
// member, `bulwark group-member --inject mutant`, which multicasts lines of its own while telling
// different members different messages under one sequence number. The three chats print the same
// conversation in the same order (total order), the corrupt member's lines included while it is a
// member. With membership, every chat then shows a view without member 3, and lines typed after
// that reach all three chats, again in one order.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateGroup, writeGroupDir } from '../../src/runtime/group/group-file.js';
import { memberHasMembership } from '../../src/runtime/group/member-kind.js';
import { freePorts } from '../../src/runtime/launcher.js';

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
const chatLines = (lines: string[]) => lines.filter((l) => l.startsWith('['));

describe('the chat example over TCP with a mutant member', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-chat-'));
    const made = generateGroup({ n: 4, ports: await freePorts(4) });
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
    const before = chats.map((_, i) => `[${i}] hello from ${i}`);
    for (const c of chats) await until(c, 'the first lines', (ls) => before.every((l) => ls.includes(l)));
    if (memberHasMembership) {
      const excluded = /^\* view \d+: members 0, 1, 2 \(3 left\)$/;
      for (const c of chats) await until(c, 'the view without 3', (ls) => ls.some((l) => excluded.test(l)));
      for (const [i, c] of chats.entries()) say(c, `after from ${i}`);
      const afterLines = chats.map((_, i) => `[${i}] after from ${i}`);
      for (const c of chats)
        await until(c, 'lines after the exclusion', (ls) => afterLines.every((l) => ls.includes(l)));
      const sinceExclusion = (ls: string[]) => chatLines(ls.slice(ls.findIndex((l) => excluded.test(l))));
      const orders = chats.map((c) => sinceExclusion(c.lines));
      for (const o of orders) assert.deepEqual(o, orders[0], 'the three chats disagree after the exclusion');
    } else {
      // Without membership the mutant stays a member: its real messages are delivered.
      for (const c of chats) await until(c, "the mutant's lines", (ls) => chatLines(ls).length >= 7);
    }
    const conversations = chats.map((c) => chatLines(c.lines).slice(0, 3 + 4));
    for (const conv of conversations)
      assert.deepEqual(conv, conversations[0], 'the chats disagree on the order');
  });
});
