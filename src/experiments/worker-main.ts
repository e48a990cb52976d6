/**
 * The entry point of an experiment member process (forked by `bulwark experiment …`). It talks to
 * the launching process over IPC only: a setup message, then `go`, `inject` and `stop`; it answers
 * `connected` once its group is up, then its result. It exits when told to stop or when its
 * parent goes away, so an interrupted experiment leaves no process behind.
 */
import { startCrashMembershipMember, type CrashMembershipSetup } from './itua/crash-membership-member.js';
import { startDeliveryMember, type DeliverySetup } from './itua/delivery-member.js';

type FromParent =
  | DeliverySetup
  | CrashMembershipSetup
  | { readonly kind: 'go'; readonly phase: number }
  | { readonly kind: 'crash' }
  | { readonly kind: 'stop' };

interface RunningMember {
  connected(): Promise<void>;
  go?(phase: number): void;
  close(): Promise<void>;
}

const send = (m: unknown) => {
  if (process.connected) process.send?.(m);
};

let member: RunningMember | undefined;

async function onSetup(setup: DeliverySetup | CrashMembershipSetup): Promise<void> {
  member =
    setup.kind === 'delivery'
      ? await startDeliveryMember(setup, send)
      : await startCrashMembershipMember(setup, send);
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
    case 'crash-membership':
      onSetup(m).catch((e: unknown) => {
        send({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      });
      return;
    case 'go':
      return member?.go?.(m.phase);
    case 'crash':
      // A crash as the others see it: no flush, no goodbye.
      return void process.kill(process.pid, 'SIGKILL');
    case 'stop':
      return void stop();
  }
});
process.on('disconnect', () => process.exit(0));
