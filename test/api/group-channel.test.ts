// Proves the GroupChannel API over real TCP in one process: four channels join a group written to a
// temporary directory; FIFO and total-order multicasts reach every member (total-order ones in one
// order everywhere); the first view arrives on `views`; a multicast beyond the window waits instead
// of failing (back-pressure) and all of them arrive; typed errors for a stranger, a bad file and
// oversized data; leave() ends the member's streams while the others install a view without it and
// go on; members of view 0 started two seconds apart form the group together (without the start
// gate the late one is removed). Then, without a network: the bounded buffers fail loudly when the
// application does not read (items and bytes), and `events` keeps deliveries and views in one
// order, one style of stream excluding the other.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GroupChannel, GroupError, multicastBytesMax, type Delivery } from '../../src/api/group/index.js';
import { EventStream } from '../../src/api/group/event-stream.js';
import { ChannelStreams, type ChannelEvent } from '../../src/api/group/streams.js';
import { generateGroup, writeGroupDir } from '../../src/runtime/group/group-file.js';
import { freePorts } from '../../src/runtime/launcher.js';
import { SLOW_MACHINE } from '../runtime/group-helpers.js';

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
    const made = generateGroup({
      n: N,
      ports: await freePorts(N),
      tuning: { pendingMax: 4, ...SLOW_MACHINE },
    });
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
    await assert.rejects(ch.multicast('after leaving'), (e: GroupError) => e.code === 'CLOSED');
    // The others install a view without it, and go on.
    for (const other of channels.slice(0, 3)) {
      const next = await other.views[Symbol.asyncIterator]().next();
      assert.equal(next.done, false);
      assert.deepEqual(next.value.view.members, [0, 1, 2]);
      assert.deepEqual(next.value.left, [3]);
    }
    await channels[0]!.multicast('among three', { guarantee: 'total' });
    for (const other of channels.slice(0, 3))
      assert.deepEqual((await take(other, 1)).map(text), ['0:among three']);
  });
});

describe('the bounded delivery buffer', () => {
  it('keeps what it holds, then fails the reader with DELIVERY_OVERFLOW instead of losing silently', async () => {
    const s = new EventStream<number>(
      { itemsMax: 3 },
      {
        kind: 'fail',
        error: () => new GroupError('DELIVERY_OVERFLOW', 'overflow'),
      },
    );
    for (let i = 0; i < 5; i++) s.push(i);
    assert.equal(s.dropped, 2);
    const it = s[Symbol.asyncIterator]();
    assert.deepEqual([(await it.next()).value, (await it.next()).value, (await it.next()).value], [0, 1, 2]);
    await assert.rejects(it.next(), (e: GroupError) => e.code === 'DELIVERY_OVERFLOW');
  });

  it('drops the oldest under the drop-oldest policy, and ends after the buffered items', async () => {
    const s = new EventStream<number>({ itemsMax: 2 }, { kind: 'drop-oldest' });
    for (let i = 0; i < 4; i++) s.push(i);
    s.end();
    const seen: number[] = [];
    for await (const x of s) seen.push(x);
    assert.deepEqual(seen, [2, 3]);
  });

  it('bounds bytes as well as items', () => {
    const s = new EventStream<Uint8Array>(
      { itemsMax: 100, bytesMax: 10, sizeOf: (x) => (x as Uint8Array).byteLength },
      { kind: 'fail', error: () => new GroupError('DELIVERY_OVERFLOW', 'overflow') },
    );
    s.push(new Uint8Array(6));
    s.push(new Uint8Array(4));
    s.push(new Uint8Array(1));
    assert.equal(s.buffered, 2);
    assert.equal(s.dropped, 1);
  });
});

describe('the channel streams', () => {
  const limits = { deliveriesMax: 10, deliveryBytesMax: 1024, viewsMax: 4 };
  const view = (id: number): ChannelEvent => ({
    kind: 'view',
    view: { id, members: [0, 1] },
    transitional: false,
    joined: [],
    left: [],
  });
  const deliver = (n: number): ChannelEvent => ({
    kind: 'deliver',
    sender: 0,
    view: 0,
    guarantee: 'total',
    data: Uint8Array.of(n),
  });

  it('gives events in the order they happened, and refuses the other style after', async () => {
    const s = new ChannelStreams(limits);
    for (const e of [view(0), deliver(1), deliver(2), view(1), deliver(3)]) s.push(e);
    s.end();
    const seen: string[] = [];
    for await (const e of s.events()) seen.push(e.kind === 'view' ? `v${e.view.id}` : `d${e.data[0]}`);
    assert.deepEqual(seen, ['v0', 'd1', 'd2', 'v1', 'd3']);
    assert.throws(
      () => s.deliveries(),
      (e: GroupError) => e.code === 'STREAM_CHOSEN',
    );
  });

  it('gives deliveries and views apart, and refuses events after', async () => {
    const s = new ChannelStreams(limits);
    for (const e of [view(0), deliver(1), view(1)]) s.push(e);
    s.end();
    const views: number[] = [];
    for await (const v of s.views()) views.push(v.view.id);
    assert.deepEqual(views, [0, 1]);
    const data: number[] = [];
    for await (const d of s.deliveries()) data.push(d.data[0] as number);
    assert.deepEqual(data, [1]);
    assert.throws(
      () => s.events(),
      (e: GroupError) => e.code === 'STREAM_CHOSEN',
    );
  });
});

describe('members of view 0 that start apart', () => {
  it('form the group together: the first ones wait for a late one instead of removing it', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'bulwark-channel-late-'));
    const made = generateGroup({ n: N, ports: await freePorts(N) });
    assert.ok(made.ok && (await writeGroupDir(dir2, made.value)).ok);
    const early = [0, 1, 2].map((self) => GroupChannel.join({ cluster: dir2, self }));
    // Over twice the stack's stability timeout (900 ms): without the gate, 3 would be suspected by all.
    await new Promise((r) => setTimeout(r, 2_000));
    const late = await GroupChannel.join({ cluster: dir2, self: 3 });
    const all = [...(await Promise.all(early)), late];
    try {
      await late.multicast('late but welcome', { guarantee: 'total' });
      for (const ch of all) assert.deepEqual((await take(ch, 1)).map(text), ['3:late but welcome']);
      for (const ch of all) assert.deepEqual(ch.view, { id: 0, members: [0, 1, 2, 3] });
    } finally {
      await Promise.all(all.map((ch) => ch.leave(200)));
      await rm(dir2, { recursive: true, force: true });
    }
  });
});
