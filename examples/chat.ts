// A group chat over TCP, one process per member: every line typed is multicast in total order, so
// every member prints the same conversation, and the view changes (a member excluded or joined) in
// their place in it.   Usage: node dist/examples/chat.js <group-dir> <my-id>
import { createInterface } from 'node:readline';
import { GroupChannel } from '../src/api/group/index.js';

const [dir, id] = process.argv.slice(2);
if (dir === undefined || id === undefined) {
  console.error('usage: node dist/examples/chat.js <group-dir> <my-id>');
  process.exit(2);
}
const chat = await GroupChannel.join({ cluster: dir, self: Number(id) });

void (async () => {
  for await (const e of chat.events) {
    if (e.kind === 'deliver') console.log(`[${e.sender}] ${new TextDecoder().decode(e.data)}`);
    else {
      const left = e.left.length > 0 ? ` (${e.left.join(', ')} left)` : '';
      console.log(`* view ${e.view.id}: members ${e.view.members.join(', ')}${left}`);
    }
  }
  console.log(`* you are no longer in the group: ${chat.excluded}`);
  process.exit(0);
})();

for await (const line of createInterface({ input: process.stdin })) {
  await chat.multicast(line, { guarantee: 'total' });
}
await chat.leave();
