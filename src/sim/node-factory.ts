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
import { switchingOptionsFor } from './switching.js';
import { strictReplyQuorum, switchingReplica } from '../smr/switching/index.js';

export function createInstance(
  env: Env<Wire<unknown>, TimerKey, Observation>,
  id: NodeId,
  life: number,
  cfg: WorldConfig,
  replicas: readonly NodeId[],
): Protocol<Wire<unknown>> {
  const switching = cfg.switching;
  if (id >= CLIENT_ID_MIN) {
    return new ClientCore(env, {
      replicas,
      // Switching: the strictest fault model the cluster may run, and every read ordered, since
      // members come and go (a removed one keeps an old state it must not answer reads from).
      replyQuorum:
        switching !== undefined ? strictReplyQuorum(replicas.length) : cfg.module.quorum(cfg.f).replyQuorum,
      readQuorum:
        switching !== undefined ? undefined : readQuorumOf(cfg.module.quorum(cfg.f), replicas.length),
      retryMs: cfg.clientRetryMs,
      retryMsMax: 2_000,
      retriesMax: 1_000,
      windowMax: Math.max(cfg.outstanding, 1),
      // A restarted client takes a fresh id base, as a real one does from its clock.
      firstRequestId: 1 + life * 1_000_000,
    });
  }
  // Protocols read the same tuning, so both layers agree on where checkpoints fall.
  const checkpointInterval = cfg.tuning?.checkpointInterval ?? 128;
  const app = cfg.app.makeService(cfg.replyBytes);
  const sw =
    switching === undefined
      ? undefined
      : switchingReplica(
          app,
          switchingOptionsFor(switching, replicas, cfg.clients, checkpointInterval, cfg.tuning),
          cfg.module.recoversFromAmnesia,
        );
  return new ReplicaNode(env, {
    module: sw?.module ?? cfg.module,
    config: { members: replicas, f: cfg.f, role: 'active', tuning: cfg.tuning },
    service: sw?.service ?? app,
    clientWindowMax: 1024,
    checkpointInterval,
  });
}
