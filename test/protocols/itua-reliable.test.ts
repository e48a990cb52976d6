// Proves the ITUA Reliable layer's rules (seed 003, reliable multicast and Figure 4): the three
// phases at n = 4 with a 2f+1 certificate (the sender's digest signature and 2f replies), replies
// signed in batches under one Merkle root and each root checked once, certificate checks that
// blame whoever hands over a bad one, equivocation caught with evidence that convinces third parties, FIFO delivery, negative
// acknowledgements answered by the sender or by holders, the overflow window, and garbage
// collection at the stability threshold. Whole stacks run on a hand-driven network (Cluster), and
// single layers run on a recording LayerEnv.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Suspicion } from '../../src/protocols/itua/layer.js';
import type { ItuaMessage, ReliableMessage, RmMessage } from '../../src/protocols/itua/messages.js';
import { Reliable, type ReliableOut } from '../../src/protocols/itua/reliable.js';
import { TimedCryptoSuite } from '../../src/experiments/itua/timed-crypto.js';
import {
  messageDigest,
  signReplies,
  verifyCertificate,
  verifyReply,
  VerifiedBatches,
} from '../../src/protocols/itua/signing.js';
import { RoundTrip } from '../../src/protocols/itua/reliable-state.js';
import { resolveTuning } from '../../src/protocols/itua/timers.js';
import { validateMessage, validateProof } from '../../src/protocols/itua/validate.js';
import { viewInfo } from '../../src/protocols/itua/stack.js';
import { bytes, certified, Cluster, digestOf, keyring, recordingEnv, replyOf } from './itua-harness.js';

/** One Reliable layer on a recording env; replies are signed at once unless the tuning batches them. */
function layer(self: number, tuning?: Record<string, number>) {
  const rec = recordingEnv<ReliableMessage, ReliableOut>(4, self);
  const t = resolveTuning({ replyBatchMax: 1, ...tuning });
  return { rec, r: new Reliable(rec.env, t, new RoundTrip(t.digestRetryMs, t.retryMsMax)) };
}

const suspicionsOf = (out: readonly ReliableOut[]) =>
  out.filter((o): o is Suspicion => o.kind === 'suspect').map((o) => [o.reason.rank, o.reason.code]);

const deliveredSeqs = (out: readonly ReliableOut[]) =>
  out.flatMap((o) => (o.kind === 'deliver' ? [`${o.delivery.sender}:${o.delivery.seq}`] : []));

describe('itua reliable multicast', () => {
  it('runs the three phases at n = 4: signed digest, signed replies, the message with 2f+1 signatures', () => {
    const c = new Cluster(4);
    c.stacks[0]?.multicast('fifo', bytes(1, 2, 3));
    c.flush();
    const kinds = c.log.map((m) => `${m.msg.kind} ${m.from}>${m.to}`);
    assert.deepEqual(kinds.slice(0, 3), ['rm-digest 0>1', 'rm-digest 0>2', 'rm-digest 0>3']);
    assert.deepEqual(kinds.filter((k) => k.startsWith('rm-reply')).sort(), [
      'rm-reply 1>0',
      'rm-reply 2>0',
      'rm-reply 3>0',
    ]);
    const finals = c.log.filter((m) => m.msg.kind === 'rm-message').map((m) => m.msg as RmMessage);
    assert.equal(finals.length, 3, 'the message goes to each other member once');
    const ring = keyring(4);
    for (const m of finals) {
      assert.deepEqual(
        m.cert.map((e) => e.rank),
        [1, 2],
        "the sender's digest signature counts for it, then the first two replies",
      );
      const valid = verifyCertificate(
        ring.suiteFor(3),
        new VerifiedBatches(),
        (r) => r,
        { view: 0, sender: 0, seq: 1 },
        (c.log[0]?.msg as Extract<ItuaMessage, { kind: 'rm-digest' }>).digest,
        m.cert,
        2,
      );
      assert.ok(valid, 'any member can check the certificate');
    }
    for (const d of c.deliveries)
      assert.deepEqual(d, [{ kind: 'deliver', sender: 0, seq: 1, guarantee: 'fifo', data: bytes(1, 2, 3) }]);
  });

  it('checks again only what it has not checked: a held digest and a root checked before are trusted, nothing else', () => {
    const ring = keyring(4);
    const crypto = new TimedCryptoSuite(ring.suiteFor(1));
    const ctx = {
      view: viewInfo(0, [0, 1, 2, 3]),
      self: 1,
      crypto,
      nodeOf: (r: number) => r,
      stable: () => 0,
      windowMax: 256,
      verified: new VerifiedBatches(),
    };
    // Members 2 and 3 each signed their replies to sender 0's messages 1 and 2 in one batch.
    const bodies = [bytes(5, 1), bytes(5, 2)];
    const ids = [1, 2].map((seq) => ({ view: 0, sender: 0, seq }));
    const digests = ids.map((id, i) => messageDigest(crypto, id, bodies[i] as Uint8Array));
    const items = ids.map((id, i) => ({ id, digest: digests[i] as Uint8Array }));
    const batch = (rank: number) => signReplies(ring.suiteFor(rank), 0, items).proofs;
    const [b2, b3] = [batch(2), batch(3)];
    const msg = (i: number): RmMessage => {
      const own = certified(4, 0, i + 1, bodies[i] as Uint8Array, []);
      const cert = [2, 3].map((rank) => ({
        rank,
        ...((rank === 2 ? b2 : b3)[i] as NonNullable<(typeof b2)[0]>),
      }));
      return { ...own, cert };
    };
    const first = msg(0);
    const held = { digest: { digest: digests[0] as Uint8Array, sig: first.sig } };
    assert.equal(validateMessage(first, ctx, false, held).verdict, 'accept');
    assert.equal(crypto.times.verifies, 2, 'two roots; the held digest signature is not checked again');
    assert.equal(validateMessage(msg(1), ctx, false).verdict, 'accept');
    assert.equal(crypto.times.verifies, 3, 'the sender signature only: both roots were checked already');
    // A forged sender signature is caught although a digest is held.
    const forgedSig = { ...first, sig: new Uint8Array(first.sig.length) };
    assert.deepEqual(validateMessage(forgedSig, ctx, false, held), {
      verdict: 'reject',
      code: 'BAD_SIGNATURE',
    });
    // The cache holds exact bytes: a known root under another signature is checked, and refused.
    const c2 = first.cert[0] as RmMessage['cert'][0];
    const forgedEntry = { ...c2, sig: c2.sig.map((x) => x ^ 1) };
    const forged = { ...first, cert: [forgedEntry, first.cert[1] as RmMessage['cert'][0]] };
    assert.deepEqual(validateMessage(forged, ctx, false, held), {
      verdict: 'reject',
      code: 'BAD_CERTIFICATE',
    });
    // A held digest for other content vouches for nothing: the sender signature is checked in full.
    const other = { digest: { digest: new Uint8Array(32).fill(1), sig: first.sig } };
    const before = crypto.times.verifies;
    assert.equal(validateMessage(first, ctx, false, other).verdict, 'accept');
    assert.equal(crypto.times.verifies, before + 1);
  });

  it('signs the replies to digests that come together with one signature, and a third party checks it once', () => {
    const ring = keyring(4);
    const { rec, r } = layer(1, { replyBatchMax: 64 });
    const ds = [0, 2, 3].map((sender) => digestOf(4, sender, 1, bytes(sender)));
    for (const d of ds) r.onMessage(d.sender, d);
    assert.equal(rec.sent.length, 0, 'the replies wait for the batch');
    const timer = [...rec.timers.values()].find((t) => t.kind === 'rm.replies');
    assert.ok(timer !== undefined, 'one timer for the batch');
    r.onTimer(timer);
    const replies = rec.sent.map((s) => s.msg).filter((m) => m.kind === 'rm-reply');
    assert.deepEqual(
      replies.map((m) => [m.sender, m.index, m.path.length]),
      [
        [0, 0, 2],
        [2, 1, 2],
        [3, 2, 2],
      ],
      'each to its sender: a leaf of a tree of four (one padding leaf)',
    );
    assert.equal(new Set(replies.map((m) => Buffer.from(m.sig).toString('hex'))).size, 1, 'one signature');
    // The same digest again is answered with the reply already signed.
    r.onMessage(0, ds[0] as (typeof ds)[0]);
    assert.deepEqual(rec.sent.at(-1)?.msg, replies[0]);
    const third = new TimedCryptoSuite(ring.suiteFor(2));
    const verified = new VerifiedBatches();
    for (const m of replies) {
      const id = { view: 0, sender: m.sender, seq: m.seq };
      assert.ok(verifyReply(third, verified, 1, 1, id, m.digest, m));
    }
    assert.equal(third.times.verifies, 1, 'the root is checked once for the three replies');
    const m0 = replies[0] as (typeof replies)[0];
    const id0 = { view: 0, sender: 0, seq: 1 };
    assert.ok(!verifyReply(third, verified, 1, 1, id0, m0.digest, { ...m0, index: 1 }), 'another leaf');
    assert.ok(!verifyReply(third, verified, 1, 1, id0, m0.digest, { ...m0, index: 4 }), 'beyond the tree');
    assert.ok(!verifyReply(third, verified, 1, 1, id0, m0.digest, { ...m0, path: m0.path.slice(1) }));
    assert.ok(!verifyReply(third, verified, 2, 2, id0, m0.digest, m0), 'another signer');
    assert.deepEqual(suspicionsOf(rec.out), []);
  });

  it('four members multicasting at once each sign one reply batch, and all deliver everything', () => {
    const c = new Cluster(4, { replyBatchMax: 64, replyBatchMs: 1 });
    for (const s of c.stacks) s.multicast('fifo', bytes(7));
    c.advance(20);
    for (const d of c.deliveries) assert.equal(d.length, 4);
    const sigsBy = new Map<number, Set<string>>();
    for (const m of c.log) {
      if (m.msg.kind !== 'rm-reply') continue;
      const set = sigsBy.get(m.from) ?? new Set<string>();
      set.add(Buffer.from(m.msg.sig).toString('hex'));
      sigsBy.set(m.from, set);
    }
    // A member whose batch timer fired after the messages were certified had nothing left to send.
    assert.ok(sigsBy.size >= 2, 'at least the 2f replies each certificate needs');
    for (const [member, sigs] of sigsBy)
      assert.equal(sigs.size, 1, `member ${member}: one signature for its batch`);
    assert.deepEqual(c.suspicions, []);
  });

  it('refuses a short, repeated, unsorted or forged certificate and a changed body, blaming whoever relayed it', () => {
    const body = bytes(7, 7);
    const good = certified(4, 0, 1, body, [0, 2, 3]);
    const [c2, c3] = good.cert as [RmMessage['cert'][0], RmMessage['cert'][0]];
    const id = { view: 0, sender: 0, seq: 1 };
    const c0 = {
      rank: 0,
      ...replyOf(keyring(4).suiteFor(0), id, messageDigest(keyring(4).suiteFor(0), id, body)),
    };
    const bad: [RmMessage, string][] = [
      [{ ...good, cert: [c2] }, 'BAD_CERTIFICATE'],
      [{ ...good, cert: [c2, c2] }, 'BAD_CERTIFICATE'],
      [{ ...good, cert: [c3, c2] }, 'BAD_CERTIFICATE'],
      [{ ...good, cert: [c0, c2] }, 'BAD_CERTIFICATE'],
      [{ ...good, cert: [{ ...c2, sig: c3.sig }, c3] }, 'BAD_CERTIFICATE'],
      [{ ...good, cert: [{ ...c2, index: 1 }, c3] }, 'BAD_CERTIFICATE'],
      [{ ...good, body: bytes(7, 8) }, 'BAD_SIGNATURE'],
    ];
    const { rec, r } = layer(1);
    for (const [m] of bad) r.onMessage(3, m);
    assert.deepEqual(
      suspicionsOf(rec.out),
      bad.map(([, code]) => [3, code]),
    );
    assert.deepEqual(deliveredSeqs(rec.out), []);
    r.onMessage(3, good);
    assert.deepEqual(deliveredSeqs(rec.out), ['0:1'], 'a valid certified message is accepted from any relay');
  });

  it('suspects a sender that signs two digests for one sequence number, and its proof convinces the others', () => {
    const { rec, r } = layer(1);
    r.onMessage(0, digestOf(4, 0, 1, bytes(1)));
    r.onMessage(0, digestOf(4, 0, 1, bytes(2)));
    assert.equal(
      rec.sent.filter((s) => s.msg.kind === 'rm-reply').length,
      1,
      'no reply to the second digest',
    );
    const [found] = rec.out.filter((o): o is Suspicion => o.kind === 'suspect');
    assert.equal(found?.reason.rank, 0);
    assert.equal(found?.reason.code, 'EQUIVOCATION');
    const proof = found?.reason.proof;
    assert.ok(proof !== undefined);
    assert.deepEqual(
      rec.sent.filter((s) => s.msg.kind === 'rm-proof'),
      [{ to: 'all', msg: proof }],
    );
    assert.deepEqual(validateProof(proof, rec.env), { verdict: 'accept' });

    const other = layer(2);
    other.r.onMessage(1, proof);
    assert.deepEqual(suspicionsOf(other.rec.out), [[0, 'EQUIVOCATION']], 'a third party is convinced');
    const third = layer(2);
    third.r.onMessage(3, { ...proof, second: proof.first });
    assert.deepEqual(suspicionsOf(third.rec.out), [[3, 'BAD_PROOF']], 'a bogus proof blames its sender');
  });

  it('delivers the certified message to a member deceived by a conflicting digest, and convicts the sender', () => {
    const { rec, r } = layer(1);
    r.onMessage(0, digestOf(4, 0, 1, bytes(66)));
    r.onMessage(2, certified(4, 0, 1, bytes(1), [0, 2, 3]));
    assert.deepEqual(deliveredSeqs(rec.out), ['0:1']);
    assert.deepEqual(suspicionsOf(rec.out), [[0, 'EQUIVOCATION']]);
  });

  it('delivers each sender’s messages in sequence order, whatever order they arrive in, each once', () => {
    const { rec, r } = layer(1);
    r.onMessage(0, certified(4, 0, 3, bytes(3), [0, 2, 3]));
    r.onMessage(2, certified(4, 0, 2, bytes(2), [0, 2, 3]));
    assert.deepEqual(deliveredSeqs(rec.out), []);
    r.onMessage(0, certified(4, 0, 1, bytes(1), [0, 2, 3]));
    r.onMessage(3, certified(4, 0, 2, bytes(2), [0, 2, 3]));
    assert.deepEqual(deliveredSeqs(rec.out), ['0:1', '0:2', '0:3']);
    assert.deepEqual(suspicionsOf(rec.out), []);
  });

  it('asks the sender for a message it missed (negative acknowledgement) once it knows it exists, and gets it', () => {
    const c = new Cluster(4);
    c.drop = (m) => m.msg.kind === 'rm-message' && m.to === 3;
    c.stacks[0]?.multicast('fifo', bytes(9));
    c.flush();
    assert.equal(c.deliveries[3]?.length, 0);
    c.drop = () => false;
    // A digest alone is no reason to ask (phases 2 and 3 take a while)...
    c.advance(50);
    assert.equal(c.log.filter((m) => m.msg.kind === 'rm-nak').length, 0, 'no NAK on a digest alone');
    // ...another member's stability array that counts the message is.
    c.advance(300);
    const nak = c.log.find((m) => m.msg.kind === 'rm-nak' && m.from === 3);
    assert.deepEqual([nak?.to, nak?.msg.kind === 'rm-nak' && nak.msg.fromSeq], [0, 1]);
    assert.equal(c.deliveries[3]?.length, 1);
  });

  it('asks at once when a later message of the same sender shows a gap', () => {
    const c = new Cluster(4);
    c.drop = (m) => m.msg.kind === 'rm-message' && m.to === 3 && m.msg.seq === 1;
    c.stacks[0]?.multicast('fifo', bytes(1));
    c.stacks[0]?.multicast('fifo', bytes(2));
    c.flush();
    assert.equal(c.deliveries[3]?.length, 0, 'seq 2 waits for seq 1 (FIFO)');
    c.drop = () => false;
    c.advance(20);
    assert.ok(
      c.log.some((m) => m.msg.kind === 'rm-nak' && m.from === 3),
      'seq 2 revealed the gap',
    );
    assert.deepEqual(
      c.deliveries[3]?.map((d) => d.seq),
      [1, 2],
    );
  });

  it('gets a missed message from members that hold it when the sender does not answer', () => {
    const c = new Cluster(4);
    c.drop = (m) => m.from === 0 && m.to === 3;
    c.stacks[0]?.multicast('fifo', bytes(9));
    c.advance(600);
    assert.equal(c.deliveries[3]?.length, 1, 'member 3 learns from stability arrays that the message exists');
    const answer = c.log.find((m) => m.msg.kind === 'rm-message' && m.to === 3);
    assert.ok(answer !== undefined && answer.from !== 0);
  });

  it('ignores what lies beyond the overflow window and what is already stable (Figure 4)', () => {
    const { rec, r } = layer(1, { windowMax: 4 });
    r.onMessage(0, digestOf(4, 0, 5, bytes(5)));
    assert.equal(rec.sent.length, 0, 'seq 5 lies beyond stability 0 + window 4');
    r.onMessage(0, digestOf(4, 0, 4, bytes(4)));
    assert.equal(rec.sent.length, 1, 'seq 4 is inside: a reply');
    r.onMessage(0, certified(4, 0, 6, bytes(6), [0, 2, 3]));
    for (let s = 1; s <= 4; s++) r.onMessage(0, certified(4, 0, s, bytes(s), [0, 2, 3]));
    assert.deepEqual(deliveredSeqs(rec.out), ['0:1', '0:2', '0:3', '0:4'], 'seq 6 was not kept');
    r.onRequest({ kind: 'stable', thresholds: [2, 0, 0, 0] });
    r.onMessage(0, digestOf(4, 0, 6, bytes(6)));
    assert.equal(rec.sent.length, 2, 'the window moved to (2, 6]');
    r.onMessage(0, certified(4, 0, 1, bytes(1), [0, 2, 3]));
    assert.equal(deliveredSeqs(rec.out).length, 4, 'a stable message is ignored');
    assert.deepEqual(suspicionsOf(rec.out), []);
  });

  it('garbage-collects at the stability threshold, which lets the sender’s own window move on', () => {
    const { rec, r } = layer(0, { windowMax: 2 });
    for (const b of [1, 2, 3]) r.onRequest({ kind: 'multicast', body: bytes(b) });
    const digests = () =>
      rec.sent
        .filter((s) => s.msg.kind === 'rm-digest')
        .map((s) => s.msg as Extract<ItuaMessage, { kind: 'rm-digest' }>);
    assert.deepEqual(
      digests().map((d) => d.seq),
      [1, 2],
      'the third waits for the window',
    );
    const ring = keyring(4);
    for (const d of digests()) {
      for (const replier of [1, 2]) {
        const proof = replyOf(ring.suiteFor(replier), { view: 0, sender: 0, seq: d.seq }, d.digest);
        r.onMessage(replier, {
          kind: 'rm-reply',
          view: 0,
          sender: 0,
          seq: d.seq,
          digest: d.digest,
          ...proof,
        });
      }
    }
    assert.deepEqual(deliveredSeqs(rec.out), ['0:1', '0:2']);
    const resent = () => rec.sent.filter((s) => s.to === 3 && s.msg.kind === 'rm-message').length;
    r.onMessage(3, { kind: 'rm-nak', view: 0, sender: 0, fromSeq: 1, toSeq: 2, held: undefined });
    assert.equal(resent(), 2, 'before stability, a NAK is answered from the buffer');
    r.onRequest({ kind: 'stable', thresholds: [2, 0, 0, 0] });
    assert.deepEqual(
      digests().map((d) => d.seq),
      [1, 2, 3],
      'stability opened the window',
    );
    rec.clock.now += 1_000;
    r.onMessage(3, { kind: 'rm-nak', view: 0, sender: 0, fromSeq: 1, toSeq: 2, held: undefined });
    assert.equal(resent(), 2, 'stable messages are gone');
    assert.deepEqual(suspicionsOf(rec.out), []);
  });
});
