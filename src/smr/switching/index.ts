/**
 * A switching replica's parts: a protocol module whose instances are switching layers, and the
 * service wrapper that holds the switch record. One pair per replica: the layer and the wrapper
 * of a replica share its record.
 */
import type { Env, OrderingDelivery, TimerKey } from '../../core/env.js';
import { byzantineQuorum, maxFaults } from '../../core/quorum.js';
import type { ProtocolModule } from '../../protocols/module.js';
import type { Service } from '../service.js';
import { SwitchingLayer } from './layer.js';
import { switchingSchema, type SwitchingMessage } from './messages.js';
import type { SwitchingOptions } from './options.js';
import { SystemService } from './system-service.js';

export const SWITCHING = 'switching';

/** f+1 of the strictest fault model n hosts allow (Byzantine): what clients and laggards wait for. */
export function strictReplyQuorum(hosts: number): number {
  return maxFaults('byzantine', hosts) + 1;
}

/** The module under which the runtimes and the simulator know switching clusters. */
export function switchingModule(
  make: (env: Env<SwitchingMessage, TimerKey, OrderingDelivery>) => SwitchingLayer,
  recoversFromAmnesia = true,
): ProtocolModule<SwitchingMessage> {
  return {
    name: SWITCHING,
    schema: switchingSchema,
    // Clients and the simulator size their quorums on the strictest model the cluster may run.
    quorum: (f) => byzantineQuorum(f),
    maxFaults: (n) => maxFaults('byzantine', n),
    recoversFromAmnesia,
    create: (env) => make(env),
  };
}

export interface SwitchingReplica {
  readonly module: ProtocolModule<SwitchingMessage>;
  readonly service: SystemService;
  /** The layer, once smr created it. */
  layer(): SwitchingLayer | undefined;
}

/** The module and service of one replica that runs `app` under switching. */
export function switchingReplica(app: Service, o: SwitchingOptions, recovers = true): SwitchingReplica {
  const service = new SystemService(app);
  let layer: SwitchingLayer | undefined;
  const module = switchingModule((env) => {
    layer = new SwitchingLayer(env, service, o);
    return layer;
  }, recovers);
  return { module, service, layer: () => layer };
}

/** The wire schema only (clients and codecs need no replica state). */
export const switchingSchemaModule: ProtocolModule<SwitchingMessage> = switchingModule(() => {
  throw new Error('switchingSchemaModule creates no replicas');
});

export { SwitchingLayer } from './layer.js';
export { switchingDefaults, type SwitchingOptions } from './options.js';
export { SystemService } from './system-service.js';
export { encodeCommandOp, isSystemOp, SYSTEM_OP_PREFIX, type Command } from './command.js';
export { switchingSchema, type SwitchingMessage } from './messages.js';
