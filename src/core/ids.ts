/**
 * Node identities. Replicas are numbered 0..n-1 in the cluster file; clients have ids from
 * CLIENT_ID_MIN upward so that one number space names every endpoint and a replica can tell a
 * client from a peer without a lookup.
 */
export type NodeId = number;

export const CLIENT_ID_MIN = 1_000;
export const NODE_ID_MAX = 0xffff_ffff;

export function isClientId(id: NodeId): boolean {
  return id >= CLIENT_ID_MIN;
}

export function isValidNodeId(id: number): id is NodeId {
  return Number.isInteger(id) && id >= 0 && id <= NODE_ID_MAX;
}

/** The replica ids 0..n-1. */
export function replicaIds(n: number): NodeId[] {
  return Array.from({ length: n }, (_, i) => i);
}
