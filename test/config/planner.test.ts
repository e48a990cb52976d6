// Proves the planner's decisions: a table of QoS cases with the protocol, n, f or refusal each must give, and property tests over random QoS and sets of built protocols checking every accepted plan against the fault bound of its protocol (core/quorum.ts) and every refusal against a naive oracle that tries every built protocol at every n up to the hosts given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { plan, type Plan } from '../../src/config/planner.js';
import { parseQos, type Qos } from '../../src/config/qos.js';
import { limits } from '../../src/core/limits.js';
import { maxFaults } from '../../src/core/quorum.js';
import {
  defaultTuning as pbftDefaults,
  resolveTuning as pbftTuning,
} from '../../src/protocols/pbft/timers.js';
import {
  defaultTuning as sequencerDefaults,
  resolveTuning as sequencerTuning,
} from '../../src/protocols/sequencer/timers.js';

const BUILT = new Set(['sequencer', 'paxos', 'pbft']);
const ALL = ['sequencer', 'paxos', 'pbft', 'async', 'fab'] as const;

function qos(q: Partial<Qos>): Qos {
  return {
    byzantine: 0,
    crash: 0,
    timing: 'partial-sync',
    consistency: 'strong',
    priority: 'throughput',
    ...q,
  };
}

function planned(q: Partial<Qos>, available: ReadonlySet<string> = BUILT): Plan {
  return plan(qos(q), { available, unavailableWhy: (p) => `${p} is on the roadmap` });
}

describe('plan: table of cases', () => {
  const cases: [string, Partial<Qos>, string | RegExp][] = [
    ['no faults: the sequencer', {}, 'sequencer n=1 f=0'],
    [
      'best effort, no faults, async: the sequencer',
      { consistency: 'best-effort', timing: 'async' },
      'sequencer n=1 f=0',
    ],
    ['1 crash: paxos 2f+1', { crash: 1 }, 'paxos n=3 f=1'],
    ['2 crashes on exactly 5 hosts', { crash: 2, hosts: 5 }, 'paxos n=5 f=2'],
    ['1 Byzantine: pbft 3f+1', { byzantine: 1, hosts: 4 }, 'pbft n=4 f=1'],
    [
      '1 Byzantine, latency, 6 hosts: fab is not built, pbft',
      { byzantine: 1, priority: 'latency', hosts: 6 },
      'pbft n=4 f=1',
    ],
    ['mixed faults count crashes as Byzantine', { byzantine: 1, crash: 1, hosts: 7 }, 'pbft n=7 f=2'],
    ['best effort with faults gets strong', { byzantine: 1, consistency: 'best-effort' }, 'pbft n=4 f=1'],
    [
      '2 Byzantine on 5 hosts',
      { byzantine: 2, hosts: 5 },
      /^hosts: 2 Byzantine faults need 7 replicas \(3f\+1\) with pbft and 5 hosts were given$/,
    ],
    [
      'mixed on 6 hosts: 3(b+c)+1 = 7',
      { byzantine: 1, crash: 1, hosts: 6 },
      /^hosts: .*need 7 replicas \(3f\+1\)/,
    ],
    [
      'async with a fault: async is not built',
      { crash: 1, timing: 'async' },
      /^unavailable: async is the protocol .* async is on the roadmap$/,
    ],
    ['100 Byzantine faults: more than a group', { byzantine: 100 }, /^limit: .*301 replicas .* \(256\)$/],
  ];
  for (const [name, q, want] of cases) {
    it(name, () => {
      const p = planned(q);
      const got = p.ok
        ? `${p.deployment.protocol} n=${p.deployment.n} f=${p.deployment.f}`
        : `${p.code}: ${p.refused}`;
      if (typeof want === 'string') assert.equal(got, want, p.reasons.join('\n'));
      else assert.match(got, want, p.reasons.join('\n'));
    });
  }

  it('without paxos a crash fault falls back to pbft, and says why', () => {
    const p = planned({ crash: 1 }, new Set(['sequencer', 'pbft']));
    assert.ok(p.ok && p.deployment.protocol === 'pbft' && p.deployment.n === 4);
    assert.ok(
      p.reasons.some((r) => /paxos would need 3 replicas \(2f\+1\) but is not available yet/.test(r)),
    );
  });

  it('latency picks fab when it is built and the hosts allow 5f+1', () => {
    const p = planned({ byzantine: 1, priority: 'latency', hosts: 6 }, new Set([...BUILT, 'fab']));
    assert.ok(p.ok && p.deployment.protocol === 'fab' && p.deployment.n === 6 && p.deployment.quorum === 5);
    const q = planned({ byzantine: 1, priority: 'latency', hosts: 5 }, new Set([...BUILT, 'fab']));
    assert.ok(q.ok && q.deployment.protocol === 'pbft');
  });

  it('reports spare hosts and what they could buy', () => {
    const p = planned({ byzantine: 1, hosts: 9 });
    assert.ok(p.ok);
    assert.equal(p.deployment.spareHosts, 5);
    assert.ok(p.reasons.some((r) => /5 hosts stay spare/.test(r)));
    assert.ok(p.reasons.some((r) => /9 hosts would let pbft tolerate f = 2/.test(r)));
  });

  it('tunes for the priority: bigger batches and pipeline for throughput', () => {
    const t = planned({ byzantine: 1, priority: 'throughput' });
    const l = planned({ byzantine: 1, priority: 'latency' });
    assert.ok(t.ok && l.ok);
    const tt = t.deployment.tuning;
    const lt = l.deployment.tuning;
    assert.ok(tt.batchMax! > lt.batchMax! && tt.pipelineMax! > lt.pipelineMax!);
    assert.ok(tt.batchDelayMs! > lt.batchDelayMs! && tt.requestTimeoutMs! > lt.requestTimeoutMs!);
  });

  it('gives only tuning names the protocols know, with values they accept', () => {
    for (const priority of ['latency', 'throughput'] as const) {
      const seq = planned({ priority });
      const pbft = planned({ byzantine: 1, priority });
      assert.ok(seq.ok && pbft.ok);
      for (const k of Object.keys(seq.deployment.tuning))
        assert.ok(k in sequencerDefaults, `sequencer: ${k}`);
      for (const k of Object.keys(pbft.deployment.tuning)) assert.ok(k in pbftDefaults, `pbft: ${k}`);
      assert.doesNotThrow(() => sequencerTuning(seq.deployment.tuning));
      assert.doesNotThrow(() => pbftTuning(pbft.deployment.tuning));
    }
  });
});

describe('parseQos', () => {
  it('fills defaults and rejects unknown keys and bad values, listing each', () => {
    const good = parseQos({ byzantine: 1 });
    assert.ok(good.ok && good.value.crash === 0 && good.value.timing === 'partial-sync');
    const bad = parseQos({ byzantin: 2, crash: -1, timing: 'sync', hosts: 0 });
    assert.ok(!bad.ok);
    assert.equal(bad.error.length, 4, bad.error.join('\n'));
    assert.ok(!parseQos({ hosts: 4 }, { allowHosts: false }).ok);
    assert.ok(!parseQos([1]).ok);
  });
});

// The oracle: the smallest n at which each protocol meets the QoS, by its fault bound alone.
function oracleNeeds(q: Qos, protocol: string): number | undefined {
  const total = q.byzantine + q.crash;
  const first = (ok: (n: number) => boolean) => {
    for (let n = 1; n <= 6 * total + 1; n++) if (ok(n)) return n;
    return undefined;
  };
  if (total === 0) return ['sequencer', 'paxos', 'pbft'].includes(protocol) ? 1 : undefined;
  if (protocol === 'async') return first((n) => maxFaults('byzantine', n) >= total);
  if (q.timing === 'async') return undefined;
  if (protocol === 'paxos')
    return q.byzantine === 0 ? first((n) => maxFaults('crash', n) >= q.crash) : undefined;
  if (protocol === 'pbft') return first((n) => maxFaults('byzantine', n) >= total);
  if (protocol === 'fab') return first((n) => maxFaults('fab', n) >= total);
  return undefined;
}

const arbitraryQos = fc.record({
  byzantine: fc.nat({ max: 12 }),
  crash: fc.nat({ max: 12 }),
  timing: fc.constantFrom('partial-sync' as const, 'async' as const),
  consistency: fc.constantFrom('strong' as const, 'best-effort' as const),
  priority: fc.constantFrom('latency' as const, 'throughput' as const),
  hosts: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }),
});

describe('plan: properties', () => {
  it('an accepted plan meets its fault bound, covers the QoS and fits on the hosts', () => {
    fc.assert(
      fc.property(arbitraryQos, fc.subarray([...ALL]), (q, built) => {
        const p = plan(q, { available: new Set(built) });
        if (!p.ok) return;
        const d = p.deployment;
        assert.ok(built.includes(d.protocol as (typeof ALL)[number]));
        assert.ok(d.n <= (q.hosts ?? limits.membersMax) && d.n >= 1);
        assert.equal(d.spareHosts, q.hosts === undefined ? 0 : q.hosts - d.n);
        if (d.faultModel !== 'none' && d.faultModel !== 'proactive')
          assert.ok(maxFaults(d.faultModel, d.n) >= d.f);
        if (d.faultModel === 'crash') assert.ok(q.byzantine === 0 && d.f >= q.crash);
        else if (d.faultModel === 'none') assert.equal(q.byzantine + q.crash, 0);
        else assert.ok(d.f >= q.byzantine + q.crash);
        assert.equal(d.n, oracleNeeds(q, d.protocol), 'no more replicas than the bound needs');
        // Quorums of two sets of correct-plus-faulty replicas must meet in a correct one.
        if (d.faultModel === 'byzantine') assert.ok(2 * d.quorum - d.n > d.f);
        if (d.faultModel === 'crash') assert.ok(2 * d.quorum > d.n);
      }),
      { numRuns: 400 },
    );
  });

  it('a refusal is really impossible: no built protocol meets the QoS on the hosts given', () => {
    fc.assert(
      fc.property(arbitraryQos, fc.subarray([...ALL]), (q, built) => {
        const p = plan(q, { available: new Set(built) });
        const room = Math.min(q.hosts ?? limits.membersMax, limits.membersMax);
        const possible = built.filter((b) => {
          const need = oracleNeeds(q, b);
          return need !== undefined && need <= room;
        });
        assert.equal(
          p.ok,
          possible.length > 0,
          `${JSON.stringify(q)} built ${built}: ${p.ok ? '' : p.refused}`,
        );
        if (!p.ok) assert.ok(p.reasons.length > 0 && p.refused.length > 0);
      }),
      { numRuns: 400 },
    );
  });
});
