// A group chat over TCP, one process per member: every line typed is multicast in total order, so
// every member prints the same conversation; view changes (a member excluded or joined) too.
// Usage: node dist/examples/chat.js <group-dir> <my-id>
import { createInterface } from 'node:readline';
import { GroupChannel } from '../src/api/group/index.js';

const [dir, id] = process.argv.slice(2);
if (dir === undefined || id === undefined) {
  console.error('usage: node dist/examples/chat.js <group-dir> <my-id>');
  process.exit(2);
}
const chat = await GroupChannel.join({ cluster: dir, self: Number(id) });

void (async () => {
  for await (const v of chat.views) {
    const left = v.left.length > 0 ? ` (${v.left.join(', ')} left)` : '';
    console.log(`* view ${v.view.id}: members ${v.view.members.join(', ')}${left}`);
  }
})();

void (async () => {
  for await (const d of chat.deliveries) console.log(`[${d.sender}] ${new TextDecoder().decode(d.data)}`);
  console.log(`* you are no longer in the group: ${chat.excluded}`);
  process.exit(0);
})();

for await (const line of createInterface({ input: process.stdin })) {
  await chat.multicast(line, { guarantee: 'total' });
}
await chat.leave();
