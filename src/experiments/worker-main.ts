/**
 * The entry point of an experiment member process (forked by `bulwark experiment …`). It talks to
 * the launching process over IPC only: a setup message, then `go`, `inject` and `stop`; it answers
 * `connected` once its group is up, then its result. It exits when told to stop or when its
 * parent goes away, so an interrupted experiment leaves no process behind.
 */
import { startDeliveryMember, type DeliverySetup, type RunningMember } from './itua/delivery-member.js';

type FromParent = DeliverySetup | { readonly kind: 'go'; readonly phase: number } | { readonly kind: 'stop' };

const send = (m: unknown) => {
  if (process.connected) process.send?.(m);
};

let member: RunningMember | undefined;

async function onSetup(setup: DeliverySetup): Promise<void> {
  member = await startDeliveryMember(setup, send);
  await member.connected();
  send({ kind: 'connected', id: setup.self.id });
}

async function stop(): Promise<void> {
  const closing = member?.close();
  const timer = setTimeout(() => process.exit(0), 1_000);
  await closing;
  clearTimeout(timer);
  process.exit(0);
}

process.on('message', (m: FromParent) => {
  switch (m.kind) {
    case 'delivery':
      onSetup(m).catch((e: unknown) => {
        send({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      });
      return;
    case 'go':
      return member?.go(m.phase);
    case 'stop':
      return void stop();
  }
});
process.on('disconnect', () => process.exit(0));
