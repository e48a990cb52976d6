// Proves the tricky parts of Multi-Paxos (src/protocols/paxos) on a hand-driven cluster whose
// messages the test delivers, drops or cuts off: the normal case with forwarding; phase 1
// recovering a value accepted in an earlier ballot by one acceptor only; two candidates
// competing for leadership; a lagging replica catching up by fetching decided batches, and by
// state transfer once the others garbage-collected them; strict validation of ballots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startElection } from '../../src/protocols/paxos/election.js';
import { Cluster, request, type Sent } from './paxos-harness.js';

const isKind = (kind: Sent['msg']['kind']) => (s: Sent) => s.msg.kind === kind;

describe('paxos', () => {
  it('orders requests submitted at the leader and at followers the same way everywhere', () => {
    const c = new Cluster(3);
    c.start();
    c.replicas[0]?.submit(request(1000, 1));
    c.replicas[2]?.submit(request(1001, 1));
    c.advance(100);
    c.replicas[1]?.submit(request(1000, 2));
    c.advance(100);
    const h = c.history(0);
    assert.match(h, /1000\.1/);
    assert.match(h, /1001\.1/);
    assert.match(h, /1000\.2/);
    assert.equal(c.history(1), h);
    assert.equal(c.history(2), h);
  });

  it('phase 1 recovers a value that one acceptor accepted in an earlier ballot', () => {
    const c = new Cluster(3);
    c.start();
    c.run();
    c.replicas[0]?.submit(request(1000, 7));
    // Only replica 1 gets the accept; nobody learns that anything was chosen.
    c.advance(0, (s) => s.msg.kind === 'accept' && s.to === 1);
    assert.equal(c.history(1), '');
    c.isolated.add(0);
    // Replica 2 never saw the value; it runs phase 1 and must propose it again, not a no-op.
    startElection(c.replicas[2]!.state);
    c.advance(50);
    assert.equal(c.replicas[2]?.state.role, 'leader');
    assert.equal(c.history(2), '|1:1000.7');
    assert.equal(c.history(1), '|1:1000.7');
  });

  it('two candidates compete; one leads, the other follows, and both execute the same order', () => {
    const c = new Cluster(3);
    c.start();
    c.replicas[0]?.submit(request(1000, 1));
    c.advance(50);
    c.isolated.add(0);
    const [, a, b] = c.replicas;
    startElection(a!.state);
    startElection(b!.state);
    // Same round: rank breaks the tie, so replica 2's ballot is higher; deliver everything interleaved.
    c.advance(2_000);
    const roles = [a!.state.role, b!.state.role].sort();
    assert.deepEqual(roles, ['follower', 'leader']);
    assert.deepEqual(a!.state.promised, b!.state.promised);
    a!.submit(request(1001, 1));
    b!.submit(request(1002, 1));
    c.advance(500);
    const h = c.history(1);
    for (const key of ['1000.1', '1001.1', '1002.1']) assert.equal(h.split(key).length, 2, key);
    assert.equal(c.history(2), h);
  });

  it('a deposed leader is told by a nack and steps down', () => {
    const c = new Cluster(3);
    c.start();
    c.run();
    c.isolated.add(0);
    startElection(c.replicas[1]!.state);
    c.advance(20);
    assert.equal(c.replicas[1]?.state.role, 'leader');
    c.isolated.delete(0);
    c.replicas[0]?.submit(request(1000, 1));
    c.advance(300);
    assert.equal(c.replicas[0]?.state.role, 'follower');
    assert.equal(c.replicas[0]?.state.leader, 1);
    assert.match(c.history(0), /1000\.1/);
  });

  it('a replica cut off catches up by fetching the decided batches it lacks', () => {
    const c = new Cluster(3);
    c.start();
    c.isolated.add(2);
    for (let i = 1; i <= 5; i++) {
      c.replicas[0]?.submit(request(1000, i));
      c.advance(10);
    }
    assert.equal(c.history(2), '');
    c.isolated.delete(2);
    c.advance(500);
    assert.equal(c.history(2), c.history(0));
    assert.ok((c.replicas[2]?.status().counters?.fetchesSent ?? 0) > 0);
  });

  it('a replica behind garbage-collected batches gets the state by transfer, then goes on', () => {
    const c = new Cluster(3, { checkpointInterval: 2, logSize: 8 });
    c.start();
    c.isolated.add(2);
    for (let i = 1; i <= 9; i++) {
      c.replicas[0]?.submit(request(1000, i));
      c.advance(10);
    }
    assert.ok((c.replicas[0]?.state.stableSeq ?? 0) >= 8);
    c.isolated.delete(2);
    c.advance(500);
    const needed = (c.deliveries.get(2) ?? []).filter((d) => d.kind === 'state-needed');
    assert.ok(needed.length > 0, 'replica 2 asked smr for the state');
    c.replicas[0]?.submit(request(1000, 10));
    c.advance(100);
    assert.equal(c.history(2), c.history(0));
    assert.ok((c.deliveries.get(2) ?? []).some((d) => d.kind === 'checkpoint-stable'));
  });

  it('refuses a prepare from a replica that does not own its ballot, and suspects it', () => {
    const c = new Cluster(3);
    c.start();
    c.run();
    c.replicas[0]?.onMessage(2, { kind: 'prepare', ballot: { round: 5, leader: 1 }, fromSeq: 1 });
    c.replicas[0]?.onMessage(2, { kind: 'prepare', ballot: { round: 5, leader: 9 }, fromSeq: 1 });
    assert.deepEqual(
      c.suspects.map((s) => s.code),
      ['NOT_BALLOT_OWNER', 'BAD_BALLOT'],
    );
    assert.equal(c.queue.filter(isKind('promise')).length, 0);
    assert.deepEqual(c.replicas[0]?.state.promised, { round: 0, leader: 0 });
  });
});
