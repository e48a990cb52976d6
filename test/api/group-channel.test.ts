// Proves the GroupChannel API over real TCP in one process: four channels join a group written to a
// temporary directory; FIFO and total-order multicasts reach every member (total-order ones in one
// order everywhere); the first view arrives on `views`; a multicast beyond the window waits instead
// of failing (back-pressure) and all of them arrive; typed errors for a stranger, a bad file and
// oversized data; the bounded delivery buffer fails loudly when the application does not read; and
// leave() ends the member's streams.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GroupChannel, GroupError, multicastBytesMax, type Delivery } from '../../src/api/group/index.js';
import { EventStream } from '../../src/api/group/event-stream.js';
import { generateGroup, writeGroupDir } from '../../src/runtime/group/group-file.js';
import { freePorts } from '../../src/runtime/launcher.js';

const N = 4;
let dir = '';
let channels: GroupChannel[] = [];

/** The next `count` deliveries of a channel (the test reads each channel's stream in one place). */
async function take(ch: GroupChannel, count: number): Promise<Delivery[]> {
  const out: Delivery[] = [];
  if (count === 0) return out;
  for await (const d of ch.deliveries) {
    out.push(d);
    if (out.length === count) break;
  }
  return out;
}

const text = (d: Delivery) => `${d.sender}:${new TextDecoder().decode(d.data)}`;

describe('GroupChannel over TCP, four members in one process', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-channel-'));
    // A small window, so the back-pressure test reaches it quickly.
    const made = generateGroup({ n: N, ports: await freePorts(N), tuning: { pendingMax: 4 } });
    assert.ok(made.ok);
    const wrote = await writeGroupDir(dir, made.value);
    assert.ok(wrote.ok);
    channels = await Promise.all(
      Array.from({ length: N }, (_, self) => GroupChannel.join({ cluster: dir, self })),
    );
  });

  after(async () => {
    await Promise.all(channels.map((ch) => ch.leave(200)));
    await rm(dir, { recursive: true, force: true });
  });

  it('installs view 0 with every member and reports it on views', async () => {
    for (const ch of channels) {
      assert.deepEqual(ch.view, { id: 0, members: [0, 1, 2, 3] });
      const first = await ch.views[Symbol.asyncIterator]().next();
      assert.equal(first.done, false);
      assert.deepEqual(first.value.view.members, [0, 1, 2, 3]);
    }
  });

  it('delivers total-order multicasts in one order at every member, and FIFO ones in sender order', async () => {
    const sent = channels.flatMap((ch) => [
      ch.multicast(`t1 from ${ch.self}`, { guarantee: 'total' }),
      ch.multicast(`f1 from ${ch.self}`),
      ch.multicast(`t2 from ${ch.self}`, { guarantee: 'total' }),
    ]);
    await Promise.all(sent);
    const got = await Promise.all(channels.map((ch) => take(ch, 3 * N)));
    const totals = got.map((ds) => ds.filter((d) => d.guarantee === 'total').map(text));
    for (const t of totals) assert.deepEqual(t, totals[0], 'total order differs between members');
    for (const ds of got) {
      assert.equal(new Set(ds.map(text)).size, 3 * N, 'every multicast exactly once');
      for (let s = 0; s < N; s++) {
        const fromS = ds.filter((d) => d.sender === s).map(text);
        assert.deepEqual(fromS, [`${s}:t1 from ${s}`, `${s}:f1 from ${s}`, `${s}:t2 from ${s}`]);
      }
    }
  });

  it('makes a multicast beyond the window wait, then delivers all of them', async () => {
    const ch = channels[1] as GroupChannel;
    const count = 40;
    let accepted = 0;
    const sent = Array.from({ length: count }, (_, i) => ch.multicast(`burst ${i}`).then(() => accepted++));
    // Before any round trip over the network, only the window (pendingMax 4) can have been accepted.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(accepted <= 4, `${accepted} accepted before the window could open`);
    await Promise.all(sent);
    assert.equal(accepted, count);
    const got = await Promise.all(channels.map((c) => take(c, count)));
    for (const ds of got) {
      assert.deepEqual(
        ds.map(text),
        Array.from({ length: count }, (_, i) => `1:burst ${i}`),
      );
    }
  });

  it('refuses oversized data, a stranger and a wrong file with typed errors', async () => {
    const big = new Uint8Array(multicastBytesMax + 1);
    await assert.rejects(channels[0]!.multicast(big), (e: GroupError) => e.code === 'TOO_LARGE');
    await assert.rejects(
      GroupChannel.join({ cluster: dir, self: 9 }),
      (e: GroupError) => e.code === 'NOT_MEMBER',
    );
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nprotocol: pbft\n');
    await assert.rejects(
      GroupChannel.join({ cluster: bad, self: 0, keyFile: join(dir, 'member-0.key') }),
      (e) => {
        assert.ok(e instanceof GroupError);
        assert.equal(e.code, 'CONFIG');
        assert.match(e.message, /protocol|members/);
        return true;
      },
    );
  });

  it('ends the streams of a member that leaves', async () => {
    const ch = channels[3] as GroupChannel;
    await ch.leave(200);
    assert.equal(ch.view, undefined);
    assert.equal(ch.excluded, 'left');
    const next = await ch.deliveries[Symbol.asyncIterator]().next();
    assert.equal(next.done, true);
    await assert.rejects(
      ch.multicast('after leaving'),
      (e: GroupError) => e.code === 'CLOSED' || e.code === 'EXCLUDED',
    );
  });
});

describe('the bounded delivery buffer', () => {
  it('keeps what it holds, then fails the reader with DELIVERY_OVERFLOW instead of losing silently', async () => {
    const s = new EventStream<number>(3, {
      kind: 'fail',
      error: () => new GroupError('DELIVERY_OVERFLOW', 'overflow'),
    });
    for (let i = 0; i < 5; i++) s.push(i);
    assert.equal(s.dropped, 2);
    const it = s[Symbol.asyncIterator]();
    assert.deepEqual([(await it.next()).value, (await it.next()).value, (await it.next()).value], [0, 1, 2]);
    await assert.rejects(it.next(), (e: GroupError) => e.code === 'DELIVERY_OVERFLOW');
  });

  it('drops the oldest under the drop-oldest policy, and ends after the buffered items', async () => {
    const s = new EventStream<number>(2, { kind: 'drop-oldest' });
    for (let i = 0; i < 4; i++) s.push(i);
    s.end();
    const seen: number[] = [];
    for await (const x of s) seen.push(x);
    assert.deepEqual(seen, [2, 3]);
  });
});
