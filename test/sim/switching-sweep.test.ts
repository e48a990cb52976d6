// Proves that switching ordering protocols at run time keeps agreement, total order, validity,
// exactly-once execution (also across switches), correct client results and the key-value
// store's linearizability, and that every request completes: seeded simulator sweeps in which
// an administrator switches a loaded cluster between protocols and members over a lossy
// network, with a replica crashing in the middle of a switch and with Byzantine replicas that
// forge or replay reconfigurations. Each failure prints the command that replays it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { switchSweep } from './switching-sweeps.js';

describe('switching sweeps', () => {
  it('sequencer → pbft → sequencer → pbft under load, lossy network', () => {
    const r = switchSweep({ n: 4, plan: 'pbft@800,sequencer@1600,pbft@2400', seeds: 16, seedStart: 70_000 });
    assert.ok(r.stateInstalls > 0, 'replicas that lost the end of an epoch caught up by state transfer');
  });

  it('members added and removed: 4 of 5 hosts, then all 5, then without replica 0', () => {
    const plan = 'members:0.1.2.3,pbft/0.1.2.3.4@800,pbft/1.2.3.4@1600,sequencer/1.2.3.4@2400';
    const r = switchSweep({ n: 5, plan, seeds: 10, seedStart: 71_000 });
    assert.ok(r.stateInstalls >= r.runs, 'the added member got the state by state transfer');
  });

  it('a replica crashes in the middle of a switch and restarts with no state', () => {
    switchSweep({
      n: 4,
      plan: 'pbft@800,crash:2@805-1700,sequencer@1600,pbft@2400',
      seeds: 10,
      seedStart: 72_000,
    });
  });

  it('switches start while a replica is down, and it catches up when it restarts with no state', () => {
    switchSweep({ n: 4, plan: 'crash:1@300-2600,pbft@800,sequencer@1600', seeds: 6, seedStart: 72_500 });
  });

  it('a Byzantine replica forges reconfigurations', () => {
    switchSweep({
      n: 4,
      plan: 'pbft@800,sequencer@1600,pbft@2400',
      seeds: 8,
      seedStart: 73_000,
      byzantine: '3:forge-reconfig',
    });
  });

  it('a Byzantine replica replays the administrator command into later epochs', () => {
    switchSweep({
      n: 4,
      plan: 'pbft@800,sequencer@1600,pbft@2400',
      seeds: 8,
      seedStart: 74_000,
      byzantine: '2:replay-reconfig',
    });
  });

  it('a Byzantine follower sends mutants across the switches', () => {
    switchSweep({
      n: 4,
      plan: 'pbft@800,sequencer@1600,pbft@2400',
      seeds: 6,
      seedStart: 74_500,
      byzantine: '3:mutant',
    });
  });

  it('sequencer → paxos → pbft → paxos on 3 of 4 hosts', () => {
    switchSweep({ n: 4, plan: 'paxos@800,pbft@1600,paxos/0.1.2@2400', seeds: 12, seedStart: 75_000 });
  });
});
