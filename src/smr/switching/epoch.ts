/**
 * Epochs and the replicated record of switches. An epoch is one protocol instance over a set of
 * members, numbering its batches from 1; its batch k is global seq `base + k`. The record is part
 * of the checkpointed state (system-service.ts), so a replica that installs a checkpoint learns
 * of a switch ordered inside it exactly as one that executed it.
 */
import { bytes, struct, u32, u64, type Infer } from '../../codec/schema.js';
import { codec } from '../../codec/frame.js';
import type { NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ProtocolModule } from '../../protocols/module.js';
import { tuningOf, type Command } from './command.js';

export interface EpochSpec {
  readonly epoch: number;
  readonly protocol: string;
  readonly members: readonly NodeId[];
  readonly f: number;
  readonly tuning?: Readonly<Record<string, number>>;
  /** The global seq after which this epoch's batch 1 comes. */
  readonly base: number;
}

/**
 * The switches ordered so far: the last valid command (its op bytes; empty for epoch 0) and the
 * seq its epoch starts after. `seq <= endSeq` with `epoch > 0` while that switch is pending.
 */
export interface SwitchRecord {
  readonly epoch: number;
  readonly op: Uint8Array;
  readonly endSeq: number;
}

export const initialRecord: SwitchRecord = { epoch: 0, op: new Uint8Array(), endSeq: 0 };

const recordCodec = codec(
  struct('SwitchRecord', { epoch: u32, op: bytes(limits.opBytesMax, 'op'), endSeq: u64 }),
  limits.opBytesMax + 64,
);
export type EncodedRecord = Infer<typeof recordCodec.schema>;

export function encodeRecord(r: SwitchRecord): Uint8Array {
  return recordCodec.encode(r);
}

export function decodeRecord(page: Uint8Array): Result<SwitchRecord, string> {
  const r = recordCodec.decode(page);
  return r.ok ? ok(r.value) : err(`switch record: ${r.error.code}`);
}

/** What a command must satisfy besides its signature and epoch number. */
export interface Bounds {
  readonly protocols: ReadonlyMap<string, ProtocolModule<unknown>>;
  /** Every host of the cluster, in rank order. */
  readonly hosts: readonly NodeId[];
  /** Matching replies clients wait for: every epoch needs at least that many members. */
  readonly replyQuorum: number;
}

/** The epoch a command describes, or why it is refused. */
export function epochOf(c: Command, base: number, b: Bounds): Result<EpochSpec, string> {
  const module = b.protocols.get(c.protocol);
  if (module === undefined) return err(`unknown protocol '${c.protocol}'`);
  const members = c.members;
  if (new Set(members).size !== members.length) return err('members listed twice');
  const foreign = members.filter((m) => !b.hosts.includes(m));
  if (foreign.length > 0) return err(`not hosts of the cluster: ${foreign.join(',')}`);
  if (members.length < b.replyQuorum)
    return err(`${members.length} members cannot give clients ${b.replyQuorum} matching replies`);
  const f = module.maxFaults(members.length);
  const needed = module.quorum(f).n;
  if (module.name !== 'sequencer' && members.length < needed)
    return err(`${c.protocol} needs ${needed} members for f=${f}, got ${members.length}`);
  return ok({ epoch: c.nextEpoch, protocol: c.protocol, members, f, tuning: tuningOf(c), base });
}

/** What the administrator is told: deterministic, so f+1 replicas give the same text. */
export function describeEpoch(e: EpochSpec): string {
  return `epoch ${e.epoch}: ${e.protocol} on [${e.members.join(',')}] f=${e.f} from seq ${e.base}`;
}
