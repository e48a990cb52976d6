// Proves the client authenticator on requests (smr/request-auth.ts): the client core sends one
// MAC per replica in rank order; each replica's entry verifies under its own keys at its own
// index and not at another's; any change to a covered field, a missing or short entry, or a
// client other than the one named fails, without throwing. A recording Env drives the core.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientRequest, Env, TimerKey } from '../../src/core/env.js';
import { SeededRng } from '../../src/core/rng.js';
import { NoneKeyring } from '../../src/crypto/index.js';
import { ClientCore } from '../../src/smr/client-core.js';
import type { Wire } from '../../src/smr/messages.js';
import type { Observation } from '../../src/smr/observations.js';
import { verifyRequestFor } from '../../src/smr/request-auth.js';

const replicas = [0, 1, 2, 3];
const keys = NoneKeyring.fromSeed(3, [...replicas, 1000, 1001]);

function clientSends(): { sent: Wire<unknown>[]; core: ClientCore } {
  const sent: Wire<unknown>[] = [];
  const env: Env<Wire<unknown>, TimerKey, Observation> = {
    self: 1000,
    crypto: keys.suiteFor(1000),
    log: { log() {} },
    send: (_to, msg) => sent.push(msg),
    broadcast: () => assert.fail('clients do not broadcast'),
    setTimer: () => {},
    cancelTimer: () => {},
    now: () => 0,
    random: () => new SeededRng(1),
    deliver: () => {},
    suspect: () => {},
  };
  const core = new ClientCore(env, {
    replicas,
    replyQuorum: 2,
    retryMs: 100,
    retryMsMax: 1000,
    retriesMax: 2,
    windowMax: 4,
    firstRequestId: 1,
  });
  return { sent, core };
}

function sentRequest(): ClientRequest {
  const { sent, core } = clientSends();
  core.invoke(Uint8Array.of(1, 2, 3));
  const m = sent[0];
  assert.ok(m?.kind === 'request');
  return m;
}

describe('request authenticators', () => {
  it("verifies at each replica under its own index, and not under another's", () => {
    const r = sentRequest();
    assert.equal(r.auth.length, replicas.length, 'one MAC per replica');
    for (const i of replicas)
      for (const j of replicas)
        assert.equal(verifyRequestFor(keys.suiteFor(i), j, r), i === j, `replica ${i} at index ${j}`);
  });

  it('fails on any change to what it covers, and on a missing or malformed entry, without throwing', () => {
    const r = sentRequest();
    const at1 = keys.suiteFor(1);
    assert.ok(verifyRequestFor(at1, 1, r));
    for (const changed of [
      { ...r, op: Uint8Array.of(1, 2, 4) },
      { ...r, requestId: r.requestId + 1 },
      { ...r, lowWater: r.lowWater + 1 },
      { ...r, readOnly: !r.readOnly },
      { ...r, client: 1001 },
      { ...r, client: 4242 },
      { ...r, auth: [] },
      { ...r, auth: r.auth.map((t) => t.subarray(0, 31)) },
    ])
      assert.equal(verifyRequestFor(at1, 1, changed), false);
    assert.equal(verifyRequestFor(at1, -1, r), false);
    assert.equal(verifyRequestFor(at1, 99, r), false);
  });

  it('retransmissions reuse the authenticator while it still covers them', () => {
    const { sent, core } = clientSends();
    const id = core.invoke(Uint8Array.of(9));
    assert.ok(id !== undefined);
    core.onTimer({ kind: 'retry', requestId: id, attempt: 0 });
    const [first, again] = sent.filter((m) => m.kind === 'request');
    assert.ok(first?.kind === 'request' && again?.kind === 'request');
    assert.equal(first.auth, again.auth, 'computed once');
  });
});
