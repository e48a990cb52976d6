/**
 * The member side of `launchGroup`: a `bulwark group-member --ipc` process serves its parent over
 * the IPC channel (ipc.ts). It streams every report (deliveries, views, exclusion, suspicions) as
 * it happens, multicasts on request through the back-pressure queue, injects faults by name (and
 * `crash` kills the process), and exits when the parent goes away.
 */
import { answerInjectRequest } from '../fault-injection.js';
import { GroupError } from './errors.js';
import { wallMs, type FromMember, type MemberStats, type ToMember } from './ipc.js';
import type { RunningGroupMember } from './member-process.js';
import { MulticastQueue } from './multicast-queue.js';

export function serveLauncher(running: RunningGroupMember, stop: () => Promise<void>): void {
  const send = (m: FromMember) => process.send?.(m);
  const queue = new MulticastQueue((g, data) => running.multicast(g, data));
  running.on((report) => {
    send({ kind: 'report', report, atMs: wallMs() });
    if (report.kind === 'excluded') queue.close(new GroupError('EXCLUDED', `excluded: ${report.reason}`));
    else queue.pump();
  });
  process.on('message', (raw: unknown) => {
    const m = raw as ToMember;
    switch (m?.kind) {
      case 'multicast':
        return multicast(queue, m, send);
      case 'inject':
        return answerInjectRequest(
          m.behaviours,
          (names) => running.inject(names),
          (r) => send(r as FromMember),
        );
      case 'leave':
        return running.leave();
      case 'stats?':
        return send({ kind: 'stats', stats: statsOf(running) });
    }
  });
  // The parent is gone: do not linger as an orphan holding ports.
  process.on('disconnect', () => void stop());
  send({ kind: 'ready', atMs: wallMs() });
}

function multicast(
  queue: MulticastQueue,
  m: Extract<ToMember, { kind: 'multicast' }>,
  send: (m: FromMember) => void,
) {
  const data = m.data instanceof Uint8Array ? m.data : new Uint8Array();
  const guarantee = m.guarantee === 'fifo' ? 'fifo' : 'total';
  queue.submit(guarantee, data).then(
    () => send({ kind: 'multicast-done', id: m.id, atMs: wallMs() }),
    (e: GroupError) =>
      send({ kind: 'multicast-done', id: m.id, atMs: wallMs(), error: { code: e.code, message: e.message } }),
  );
}

function statsOf(running: RunningGroupMember): MemberStats {
  const cpu = process.cpuUsage();
  const t = running.transport.counters();
  return {
    cpuMicros: cpu.user + cpu.system,
    ...running.host.counters,
    suspicions: Object.fromEntries(running.host.suspicionsBy),
    injected: running.host.injectedFaults,
    view: running.currentView()?.id,
    bytesSent: t.bytesSent,
    bytesReceived: t.bytesReceived,
  };
}
