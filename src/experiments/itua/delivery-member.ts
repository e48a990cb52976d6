/**
 * One member of the message-delivery experiment (seed 003, Figure 5), in its own process: the
 * chosen stack over TCP, the paper's application on top, and the result sent back to the
 * launching process. The four stacks of the paper:
 *
 *   crash-rm   mnak-no_total: the crash-only baseline (crash-rm.ts), no cryptography
 *   rm         reliable-no_total: the three-phase reliable multicast, fifo guarantee
 *   rm-total   reliable-total: the same with born-order total ordering
 *
 * and `rm`/`rm-total` with crypto 'none' are the paper's dummy_crypt stacks.
 */
import { codec } from '../../codec/frame.js';
import { CrashRm, crashRmSchema, type CrashRmMessage } from '../../protocols/itua/crash-rm.js';
import {
  createItuaStack,
  ituaSchema,
  type GroupDelivery,
  type ItuaMessage,
} from '../../protocols/itua/index.js';
import { buildMemberHost, type MemberHost, type MemberSetup } from '../member-host.js';
import { DeliveryWorkload, type DeliveryWorkloadParams } from './workload.js';

export type DeliveryStack = 'crash-rm' | 'rm' | 'rm-total';

export interface DeliverySetup extends MemberSetup {
  readonly kind: 'delivery';
  readonly stack: DeliveryStack;
  readonly workload: DeliveryWorkloadParams;
  readonly tuning?: Readonly<Record<string, number>>;
}

export interface DeliveryMemberResult {
  readonly kind: 'delivery-result';
  readonly id: number;
  readonly phase: number;
  readonly elapsedMs: number;
  readonly cryptoMs: number;
  readonly signs: number;
  readonly verifies: number;
  readonly multicasts: number;
  readonly suspicions: number;
  /** Frames this member sent during the run. */
  readonly framesOut: number;
}

export interface RunningMember {
  connected(): Promise<void>;
  /** Run the application once more; `phase` numbers the runs (0 is the warm-up). */
  go(phase: number): void;
  close(): Promise<void>;
}

/** Builds and starts the member; `report` gets its result once the workload is done. */
export async function startDeliveryMember(
  setup: DeliverySetup,
  report: (r: DeliveryMemberResult) => void,
): Promise<RunningMember> {
  let workload: DeliveryWorkload | undefined;
  // Members start when each hears `go`: messages of a run that come before this member's `go` are
  // kept and counted at its start, as if it had started with the first of them.
  const early: Uint8Array[] = [];
  const onDeliver = (d: GroupDelivery) => {
    if (workload === undefined || d.data[8] !== workload.phase) {
      if (early.length < 10_000) early.push(d.data);
      return;
    }
    if (workload.done) return;
    workload.onDeliver(performance.now(), d.data);
    if (workload.done) finish();
  };
  let mh: MemberHost<unknown, unknown>;
  let multicast: (data: Uint8Array) => boolean;
  if (setup.stack === 'crash-rm') {
    const h = buildMemberHost<CrashRmMessage, GroupDelivery>(setup, codec(crashRmSchema), onDeliver);
    const rm = new CrashRm(h.host.env(), h.members);
    await h.host.run(rm);
    multicast = (d) => rm.multicast(d);
    mh = h as unknown as MemberHost<unknown, unknown>;
  } else {
    const h = buildMemberHost<ItuaMessage, GroupDelivery>(setup, codec(ituaSchema), onDeliver);
    const stack = createItuaStack(h.host.env(), { view: 0, members: h.members, tuning: setup.tuning });
    await h.host.run(stack);
    const guarantee = setup.stack === 'rm-total' ? 'total' : 'fifo';
    multicast = (d) => stack.multicast(guarantee, d);
    mh = h as unknown as MemberHost<unknown, unknown>;
  }
  let retry: NodeJS.Timeout | undefined;
  let framesAtGo = 0;
  const finish = () => {
    if (retry !== undefined) clearInterval(retry);
    const w = workload as DeliveryWorkload;
    const t = mh.crypto.times;
    report({
      kind: 'delivery-result',
      id: setup.self.id,
      phase: w.phase,
      elapsedMs: w.elapsedMs ?? NaN,
      cryptoMs: t.ms,
      signs: t.signs,
      verifies: t.verifies,
      multicasts: w.multicasts,
      suspicions: mh.host.counters.suspicions,
      framesOut: mh.host.counters.framesOut - framesAtGo,
    });
  };
  return {
    connected: () => mh.connected(),
    go: (phase) => {
      workload = new DeliveryWorkload(setup.workload, setup.self.id, phase, multicast);
      mh.crypto.reset();
      framesAtGo = mh.host.counters.framesOut;
      workload.start(performance.now());
      const w = workload;
      for (const data of early.splice(0))
        if (data[8] === phase && !w.done) w.onDeliver(performance.now(), data);
      if (w.done) finish();
      // A refused multicast (too many in flight) is retried soon, not only on the next delivery.
      retry = setInterval(() => workload?.flush(), 2);
    },
    close: () => mh.host.close(),
  };
}
