/**
 * One cell of the message-delivery experiment: n member processes running one stack with one
 * signature algorithm, the paper's application on each, and the mean of their elapsed times.
 */
import {
  rsaBits,
  generateRsaKeyPair,
  type RsaKeyPair,
  type SignatureAlgorithm,
} from '../../crypto/rsa-suite.js';
import { freshCluster, launchMembers } from '../launch.js';
import type { DeliveryMemberResult, DeliverySetup, DeliveryStack } from './delivery-member.js';
import type { DeliveryWorkloadParams } from './workload.js';

/** Crypto of a cell: none (the dummy_crypt stacks, and the crash-only baseline) or a signature algorithm. */
export type DeliveryCrypto = 'none' | SignatureAlgorithm;

export interface DeliveryCell {
  readonly stack: DeliveryStack;
  readonly crypto: DeliveryCrypto;
  readonly n: number;
}

export interface DeliveryCellResult extends DeliveryCell {
  /** Mean over members of the application's elapsed time. */
  readonly elapsedMs: number;
  readonly elapsedMsMax: number;
  /** Mean over members of the time spent in the crypto suite during the run. */
  readonly cryptoMs: number;
  readonly signs: number;
  readonly verifies: number;
  readonly suspicions: number;
  readonly framesOut: number;
  /** Multicasts of all members in the measured run. */
  readonly multicasts: number;
}

/** RSA keys are slow to make (RSA-2048 especially): made once per size and member, reused by every run. */
const rsaCache = new Map<string, RsaKeyPair>();

function rsaKeysFor(bits: number, n: number): RsaKeyPair[] {
  return Array.from({ length: n }, (_, id) => {
    const key = `${bits}/${id}`;
    let pair = rsaCache.get(key);
    if (pair === undefined) {
      pair = generateRsaKeyPair(id, bits);
      rsaCache.set(key, pair);
    }
    return pair;
  });
}

export async function runDeliveryCell(
  cell: DeliveryCell,
  workload: Omit<DeliveryWorkloadParams, 'groupSize'>,
  runTimeoutMs: number,
): Promise<DeliveryCellResult> {
  const cluster = await freshCluster(cell.n, cell.crypto === 'none' ? 'none' : 'real');
  const bits = cell.crypto === 'none' ? undefined : rsaBits(cell.crypto);
  const rsa = bits === undefined ? undefined : rsaKeysFor(bits, cell.n);
  const setups: DeliverySetup[] = cluster.privates.map((self, i) => ({
    kind: 'delivery',
    spec: cluster.spec,
    self,
    stack: cell.stack,
    workload: { ...workload, groupSize: cell.n },
    rsa:
      rsa === undefined
        ? undefined
        : { self: rsa[i] as RsaKeyPair, peers: rsa.map((p) => ({ id: p.id, publicDer: p.publicDer })) },
  }));
  const group = await launchMembers(setups);
  try {
    // Phase 0 warms the JIT up (a C stack like the paper's has no such transient); phase 1 counts.
    let results: DeliveryMemberResult[] = [];
    for (let phase = 0; phase < 2; phase++) {
      const collected = group.collect<DeliveryMemberResult>('delivery-result', runTimeoutMs);
      group.broadcast({ kind: 'go', phase });
      results = await collected;
    }
    return summarize(cell, results);
  } finally {
    await group.stop();
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function summarize(cell: DeliveryCell, rs: readonly DeliveryMemberResult[]): DeliveryCellResult {
  return {
    ...cell,
    elapsedMs: mean(rs.map((r) => r.elapsedMs)),
    elapsedMsMax: Math.max(...rs.map((r) => r.elapsedMs)),
    cryptoMs: mean(rs.map((r) => r.cryptoMs)),
    signs: rs.reduce((a, r) => a + r.signs, 0),
    verifies: rs.reduce((a, r) => a + r.verifies, 0),
    suspicions: rs.reduce((a, r) => a + r.suspicions, 0),
    framesOut: rs.reduce((a, r) => a + r.framesOut, 0),
    multicasts: rs.reduce((a, r) => a + r.multicasts, 0),
  };
}
