// Proves PBFT's checkpoints and garbage collection at n = 4 with K = 2 and L = 4: 2f+1 signed
// checkpoint messages make a checkpoint stable (h moves, the log below it goes, smr is told), the
// primary stops at the high watermark until then, a forged checkpoint signature is refused, and a
// replica cut off past a stable checkpoint asks smr for that state, with the proof's signers as
// sources, and goes on from it once installed. A hand-driven cluster (pbft-harness.ts) runs it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signCheckpoint } from '../../src/protocols/pbft/certificates.js';
import { Cluster, request } from './pbft-harness.js';

const tuning = { checkpointInterval: 2, logSize: 4, batchMax: 1 };

describe('pbft checkpoints', () => {
  it('makes a checkpoint stable on 2f+1 signed messages, moves h and collects the log below it', () => {
    const c = new Cluster({ n: 4, tuning });
    for (let i = 1; i <= 3; i++) c.replicas[0]?.submit(request(1000, i));
    c.advance(10);
    for (const r of c.replicas) {
      assert.equal(r.state.lastDelivered, 3);
      assert.equal(r.state.h, 2, `replica ${r.state.self}`);
      assert.equal(r.state.log.get(1), undefined, 'seqs at or below h are collected');
      assert.equal(r.state.stableProof.length, 3, 'the proof is 2f+1 signed messages');
    }
    const stable = c.deliveries.get(1)?.filter((d) => d.kind === 'checkpoint-stable');
    assert.deepEqual(
      stable?.map((d) => d.seq),
      [2],
    );
  });

  it('stops ordering at the high watermark H = h + L until a checkpoint becomes stable', () => {
    const c = new Cluster({ n: 4, tuning: { ...tuning, pipelineMax: 16 } });
    c.start();
    for (let i = 1; i <= 8; i++) c.replicas[0]?.submit(request(1000, i));
    // No checkpoint message gets through: h stays 0, so nothing beyond seq 4 is ordered.
    c.advance(10, (s) => s.msg.kind !== 'checkpoint');
    assert.equal(c.replicas[0]?.state.nextSeq, 5);
    assert.equal(c.batches(1).length, 4);
    // Once checkpoints flow (each replica resends its own now and then), the window moves on.
    c.advance(2_000);
    for (const r of c.replicas) assert.equal(r.state.lastDelivered, 8, `replica ${r.state.self}`);
  });

  it('refuses a checkpoint whose signature is not its signer’s', () => {
    const c = new Cluster({ n: 4, tuning });
    const forged = { ...signCheckpoint(c.keyring.suiteFor(3), 2, new Uint8Array(32), 3), replica: 2 };
    c.replicas[1]?.onMessage(3, forged);
    assert.deepEqual(c.suspects, [{ by: 1, node: 3, code: 'BAD_SIGNATURE' }]);
  });

  it('asks smr for the state of a stable checkpoint it cannot reach, then goes on from it', () => {
    const c = new Cluster({ n: 4, tuning });
    c.start();
    c.isolated.add(3);
    for (let i = 1; i <= 5; i++) c.replicas[0]?.submit(request(1000, i));
    c.advance(10);
    assert.equal(c.replicas[0]?.state.h, 4);
    c.isolated.delete(3);
    // Replica 3 learns the proof from the status answers, and cannot execute its way there.
    c.advance(1_000);
    const needed = c.deliveries.get(3)?.find((d) => d.kind === 'state-needed');
    assert.ok(needed?.kind === 'state-needed');
    assert.equal(needed.seq, 4);
    assert.ok(needed.sources.length >= 2 && !needed.sources.includes(3));
    // (The harness installed it at once, as smr does once it has fetched and verified the pages.)
    c.advance(1_000);
    assert.deepEqual(
      c.batches(3).map((b) => b.seq),
      [5],
      'after the state at 4, it executes what follows',
    );
  });
});
