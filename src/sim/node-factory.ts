/**
 * The protocol objects a simulated world hosts: a client core for client ids, a replica node
 * (ordering protocol + executor over the counter service) for replica ids. The same classes
 * run in production (runtime/).
 */
import type { Env, Protocol, TimerKey } from '../core/env.js';
import { CLIENT_ID_MIN, type NodeId } from '../core/ids.js';
import { ClientCore } from '../smr/client-core.js';
import type { Wire } from '../smr/messages.js';
import type { Observation } from '../smr/observations.js';
import { readQuorumOf } from '../smr/read-only.js';
import { ReplicaNode } from '../smr/replica-node.js';
import type { WorldConfig } from './config.js';

export function createInstance(
  env: Env<Wire<unknown>, TimerKey, Observation>,
  id: NodeId,
  life: number,
  cfg: WorldConfig,
  replicas: readonly NodeId[],
): Protocol<Wire<unknown>> {
  if (id >= CLIENT_ID_MIN) {
    return new ClientCore(env, {
      replicas,
      replyQuorum: cfg.module.quorum(cfg.f).replyQuorum,
      readQuorum: readQuorumOf(cfg.module.quorum(cfg.f), replicas.length),
      retryMs: cfg.clientRetryMs,
      retryMsMax: 2_000,
      retriesMax: 1_000,
      windowMax: Math.max(cfg.outstanding, 1),
      // A restarted client takes a fresh id base, as a real one does from its clock.
      firstRequestId: 1 + life * 1_000_000,
    });
  }
  return new ReplicaNode(env, {
    module: cfg.module,
    config: { members: replicas, f: cfg.f, role: 'active', tuning: cfg.tuning },
    service: cfg.app.makeService(cfg.replyBytes),
    clientWindowMax: 1024,
    // Protocols read the same tuning, so both layers agree on where checkpoints fall.
    checkpointInterval: cfg.tuning?.checkpointInterval ?? 128,
  });
}
