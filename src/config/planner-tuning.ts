/**
 * The tuning a plan gives each protocol for its priority, by the names the protocols take
 * (ProtocolConfig.tuning; the tables in each protocol's timers.ts and README). Names a protocol
 * does not know are ignored by it, so test/config/planner.test.ts checks every name here against
 * the defaults of the protocols built.
 *
 * Throughput: larger batches and a deeper pipeline spread each agreement's messages, digests
 * and signatures over more requests, and longer failure timeouts keep a loaded but correct
 * leader from being voted out. Latency: small batches sent at once, and shorter timeouts, so a
 * faulty leader is replaced sooner.
 */
import type { Priority } from './qos.js';

type Tuning = Readonly<Record<string, number>>;

const BATCHING: Readonly<Record<Priority, Tuning>> = {
  throughput: { batchMax: 1024, batchDelayMs: 1 },
  latency: { batchMax: 32, batchDelayMs: 0 },
};

const PIPELINE: Readonly<Record<Priority, Tuning>> = {
  throughput: { pipelineMax: 16 },
  latency: { pipelineMax: 8 },
};

/** Failure detection per protocol: the names differ, the trade-off does not. */
const TIMERS: Readonly<Record<string, Readonly<Record<Priority, Tuning>>>> = {
  sequencer: { throughput: {}, latency: {} },
  paxos: {
    throughput: { electionTimeoutMs: 500, heartbeatMs: 100 },
    latency: { electionTimeoutMs: 200, heartbeatMs: 40 },
  },
  pbft: {
    throughput: { requestTimeoutMs: 1000, viewChangeTimeoutMs: 1000 },
    latency: { requestTimeoutMs: 300, viewChangeTimeoutMs: 300 },
  },
};

export function plannedTuning(protocol: string, priority: Priority): { tuning: Tuning; reason: string } {
  const pipelined = protocol !== 'sequencer';
  const tuning: Tuning = {
    ...BATCHING[priority],
    ...(pipelined ? PIPELINE[priority] : {}),
    ...(TIMERS[protocol]?.[priority] ?? {}),
  };
  const listed = Object.entries(tuning)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const reason =
    priority === 'throughput'
      ? `throughput priority: larger batches${pipelined ? ', a deeper pipeline and patient failure timeouts' : ''} (${listed})`
      : `latency priority: small batches sent at once${pipelined ? ' and quick failure timeouts' : ''} (${listed})`;
  return { tuning, reason };
}
