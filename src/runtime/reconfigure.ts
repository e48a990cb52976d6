/**
 * The administrator's side of a switch (`bulwark reconfigure`): connect to the running cluster as
 * the administrator, order a signed reconfiguration, and return the replicas' verdict. The epoch
 * to ask for is learnt from the cluster itself: a command for the wrong epoch is refused with
 * the epoch that would be next, and is sent again once with that number.
 */
import type { ClusterSpec, PrivateIdentity } from '../core/cluster.js';
import type { Logger } from '../core/env.js';
import { createClusterCryptoSuite, type CryptoContext } from '../crypto/index.js';
import { protocols } from '../protocols/registry.js';
import { encodeCommandOp } from '../smr/switching/index.js';
import { clusterClient } from './cluster-client.js';

export interface ReconfigureOptions {
  readonly spec: ClusterSpec;
  /** The administrator's private key (the cluster file's `admin`). */
  readonly adminKey: PrivateIdentity;
  readonly protocol: string;
  /** Default: every host of the cluster file. */
  readonly members?: readonly number[];
  /** The switch happens after this global seq at the earliest (default: as soon as ordered). */
  readonly atSeq?: number;
  readonly tuning?: Readonly<Record<string, number>>;
  /** The epoch to start; default: learnt from the cluster. */
  readonly epoch?: number;
  readonly context?: CryptoContext;
  readonly log?: Logger;
}

export interface ReconfigureResult {
  readonly accepted: boolean;
  /** The replicas' verdict: "epoch 2: pbft on [0,1,2,3] f=1 from seq 812" or "refused: …". */
  readonly verdict: string;
}

const NEXT = /^refused: epoch \d+ is not the next one \((\d+)\)$/;

export async function reconfigure(o: ReconfigureOptions): Promise<ReconfigureResult> {
  const admin = o.spec.admin;
  if (admin === undefined) throw new Error('the cluster file names no administrator (admin)');
  if (admin.id !== o.adminKey.id)
    throw new Error(`the key is ${o.adminKey.id}'s, the administrator is ${admin.id}`);
  const module = protocols.get(o.spec.protocol);
  if (module === undefined) throw new Error(`unknown protocol '${o.spec.protocol}'`);
  const context = o.context ?? 'deployment';
  const client = clusterClient({
    spec: o.spec,
    module,
    identity: admin,
    key: o.adminKey,
    context,
    windowMax: 1,
    unorderedReads: false,
    log: o.log,
  });
  const crypto = createClusterCryptoSuite(o.spec, o.adminKey, context);
  await client.start();
  try {
    const send = async (epoch: number) => {
      const op = encodeCommandOp(crypto, {
        nextEpoch: epoch,
        protocol: o.protocol,
        members: [...(o.members ?? o.spec.members.map((m) => m.id))],
        atSeq: o.atSeq ?? 0,
        tuning: Object.entries(o.tuning ?? {}).map(([name, value]) => ({ name, value })),
        nonce: Date.now(),
      });
      return new TextDecoder().decode(await client.invoke(op));
    };
    let verdict = await send(o.epoch ?? 1);
    const next = NEXT.exec(verdict);
    if (o.epoch === undefined && next !== null) verdict = await send(Number(next[1]));
    return { accepted: !verdict.startsWith('refused'), verdict };
  } finally {
    await client.close();
  }
}
