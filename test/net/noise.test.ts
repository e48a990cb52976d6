// Proves the Noise IK state machine and the record layer in-process: the handshake reproduces the
// published cacophony test vector byte for byte, both sides of a fresh handshake derive the same
// keys while any tampered byte, wrong prologue or unknown key fails, and records open only when
// untouched, in both modes; the bounded stream reader and the send queue keep their limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildRecord,
  CipherState,
  decodeHello,
  dhKeyPairFromPrivate,
  encodeHello,
  generateDhKeyPair,
  ikReadMessage1,
  ikReadMessage2,
  ikWriteMessage1,
  ikWriteMessage2,
  LengthPrefixedReader,
  nextHelloTimestamp,
  openRecord,
  readSeq,
  sealRecord,
  SendQueue,
  splitFrames,
  type DhKeyPair,
} from '../../src/net/tcp/index.js';

const h = (s: string): Buffer => Buffer.from(s, 'hex');

function unwrap<T>(r: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!r.ok) assert.fail(`unexpected failure: ${r.reason}`);
  return r.value;
}

// From cacophony's vectors (as shipped in snow's tests/vectors/cacophony.txt), the one
// Noise_IK_25519_ChaChaPoly_SHA256 entry: two handshake messages, then four transport messages.
const vector = {
  prologue: '4a6f686e2047616c74',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshakeHash: '0b0f68fb0c27e03ce9b97565995ed4838cc0581b762ef72b062f6a546419fad7',
  messages: [
    [
      '4c756477696720766f6e204d69736573',
      'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944718da798efbcd91528520204f904b9bd6c7413dccdc214d951e15253e39987f18146e8cd0873654207148333479d4d16c289f0294b29960a72f48e0b7bba2e89083169825e59642148d492020664ccf7',
    ],
    [
      '4d757272617920526f746862617264',
      '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f1448088435361e70b2ed446e6c9ec387d1d6b3b840f194e373979d241b203c4acafccf5',
    ],
    ['462e20412e20486179656b', '050e9f3c8fac16b68dbce8f8c4bfbf6617c897f9ada4aa29aa19c8'],
    ['4361726c204d656e676572', '344233a6cabb7141d80f3da2fedc311d9646bbb0f505afe403a667'],
    [
      '4a65616e2d426170746973746520536179',
      '62cdeeb172ad7ade7aa7d9e069da5790f12331bfa00177787a1d0810c67dc3b2b4',
    ],
    [
      '457567656e2042f6686d20766f6e2042617765726b',
      '029bead1b40992327044d409d9a1f3ad8f36c3c452775d557e18bbeb2e8dfcead32d514024',
    ],
  ] as const,
};

test('IK reproduces the cacophony test vector', () => {
  const prologue = h(vector.prologue);
  const iS = dhKeyPairFromPrivate(h(vector.initStatic));
  const rS = dhKeyPairFromPrivate(h(vector.respStatic));
  const [m1, m2, ...transport] = vector.messages;
  const w1 = unwrap(
    ikWriteMessage1(iS, rS.publicKey, prologue, h(m1![0]), dhKeyPairFromPrivate(h(vector.initEphemeral))),
  );
  assert.equal(w1.message.toString('hex'), m1![1]);
  const r1 = unwrap(ikReadMessage1(rS, prologue, w1.message, h(m1![0]).byteLength));
  assert.equal(r1.payload.toString('hex'), m1![0]);
  assert.ok(r1.state.rsRaw.equals(iS.publicKey));
  const w2 = unwrap(ikWriteMessage2(r1.state, h(m2![0]), dhKeyPairFromPrivate(h(vector.respEphemeral))));
  assert.equal(w2.message.toString('hex'), m2![1]);
  const r2 = unwrap(ikReadMessage2(w1.state, w2.message, h(m2![0]).byteLength));
  assert.equal(r2.payload.toString('hex'), m2![0]);
  assert.equal(r2.keys.handshakeHash.toString('hex'), vector.handshakeHash);
  assert.equal(w2.keys.handshakeHash.toString('hex'), vector.handshakeHash);
  // Transport messages alternate, starting with the initiator, each direction with its own nonce.
  const toResponder = new CipherState(r2.keys.initiatorToResponder);
  const toInitiator = new CipherState(r2.keys.responderToInitiator);
  const empty = new Uint8Array(0);
  transport.forEach(([payload, ciphertext], i) => {
    const cs = i % 2 === 0 ? toResponder : toInitiator;
    assert.equal(cs.encryptWithAd(empty, h(payload)).toString('hex'), ciphertext, `transport message ${i}`);
  });
});

function handshake(i: DhKeyPair, r: DhKeyPair, prologue = Buffer.from('p')) {
  const w1 = unwrap(ikWriteMessage1(i, r.publicKey, prologue, Buffer.from('hello')));
  const r1 = unwrap(ikReadMessage1(r, prologue, w1.message, 5));
  const w2 = unwrap(ikWriteMessage2(r1.state, new Uint8Array(0)));
  const r2 = unwrap(ikReadMessage2(w1.state, w2.message, 0));
  return { w1, r1, w2, r2 };
}

test('both sides of a fresh IK handshake derive the same transport keys', () => {
  const i = generateDhKeyPair();
  const r = generateDhKeyPair();
  const { r1, w2, r2 } = handshake(i, r);
  assert.equal(r1.payload.toString(), 'hello');
  assert.ok(r2.keys.initiatorToResponder.equals(w2.keys.initiatorToResponder));
  assert.ok(r2.keys.responderToInitiator.equals(w2.keys.responderToInitiator));
  assert.ok(!r2.keys.initiatorToResponder.equals(r2.keys.responderToInitiator));
  assert.ok(r2.keys.handshakeHash.equals(w2.keys.handshakeHash));
  // A second handshake between the same statics gets fresh keys (fresh ephemerals).
  assert.ok(!handshake(i, r).r2.keys.initiatorToResponder.equals(r2.keys.initiatorToResponder));
});

test('a tampered byte anywhere in either handshake message fails', () => {
  const i = generateDhKeyPair();
  const r = generateDhKeyPair();
  const prologue = Buffer.from('p');
  const w1 = unwrap(ikWriteMessage1(i, r.publicKey, prologue, Buffer.from('hello')));
  for (let at = 0; at < w1.message.byteLength; at++) {
    const bad = Buffer.from(w1.message);
    bad[at]! ^= 0x01;
    assert.equal(ikReadMessage1(r, prologue, bad, 5).ok, false, `message 1 byte ${at}`);
  }
  const r1 = unwrap(ikReadMessage1(r, prologue, w1.message, 5));
  const w2 = unwrap(ikWriteMessage2(r1.state, new Uint8Array(0)));
  for (let at = 0; at < w2.message.byteLength; at++) {
    const fresh = unwrap(ikWriteMessage1(i, r.publicKey, prologue, Buffer.from('hello')));
    const answer = unwrap(
      ikWriteMessage2(unwrap(ikReadMessage1(r, prologue, fresh.message, 5)).state, new Uint8Array(0)),
    );
    const bad = Buffer.from(answer.message);
    bad[at]! ^= 0x80;
    assert.equal(ikReadMessage2(fresh.state, bad, 0).ok, false, `message 2 byte ${at}`);
  }
  assert.equal(ikReadMessage1(r, prologue, w1.message.subarray(1), 5).ok, false, 'short message 1');
});

test('a wrong prologue, a wrong responder key or an unknown initiator key fails', () => {
  const i = generateDhKeyPair();
  const r = generateDhKeyPair();
  const w1 = unwrap(ikWriteMessage1(i, r.publicKey, Buffer.from('cluster-a'), Buffer.from('hello')));
  assert.deepEqual(ikReadMessage1(r, Buffer.from('cluster-b'), w1.message, 5), {
    ok: false,
    reason: 'bad-mac',
  });
  assert.deepEqual(ikReadMessage1(generateDhKeyPair(), Buffer.from('cluster-a'), w1.message, 5), {
    ok: false,
    reason: 'bad-mac',
  });
  const unknown = ikReadMessage1(r, Buffer.from('cluster-a'), w1.message, 5, () => false);
  assert.deepEqual(unknown, { ok: false, reason: 'unknown-key' });
});

function record(seq: number, frames: Uint8Array[], key: Buffer, encrypt: boolean): Buffer {
  const payloadBytes = frames.reduce((n, f) => n + 4 + f.byteLength, 0);
  const r = buildRecord(seq, frames, 0, frames.length, payloadBytes);
  sealRecord(r, key, encrypt);
  return r;
}

for (const encrypt of [false, true]) {
  test(`records open only when untouched (encryption ${encrypt ? 'on' : 'off'})`, () => {
    const key = generateDhKeyPair().publicKey; // 32 bytes that serve as a key
    const frames = [Buffer.from('first frame'), Buffer.alloc(0), Buffer.from('third')];
    const sealed = record(2 ** 40 + 7, frames, key, encrypt);
    assert.equal(readSeq(sealed), 2 ** 40 + 7);
    assert.equal(
      sealed.includes(Buffer.from('first frame')),
      !encrypt,
      'the payload is encrypted exactly when asked',
    );
    const payload = openRecord(sealed, key, encrypt);
    assert.ok(payload !== undefined);
    const got: string[] = [];
    assert.equal(
      splitFrames(payload, 1024, (f) => got.push(f.toString())),
      true,
    );
    assert.deepEqual(got, ['first frame', '', 'third']);
    for (let at = 0; at < sealed.byteLength; at++) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x04;
      assert.equal(openRecord(bad, key, encrypt), undefined, `byte ${at}`);
    }
    assert.equal(openRecord(sealed, generateDhKeyPair().publicKey, encrypt), undefined, 'other key');
    assert.equal(openRecord(sealed, key, !encrypt), undefined, 'other mode');
  });
}

test('splitFrames refuses a frame that runs past the record or past the frame bound', () => {
  const payload = Buffer.alloc(12);
  payload.writeUInt32BE(8, 0);
  assert.equal(
    splitFrames(payload, 1024, () => {}),
    true,
  );
  assert.equal(
    splitFrames(payload, 11, () => assert.fail('no frame before the check')),
    false,
  );
  payload.writeUInt32BE(9, 0);
  assert.equal(
    splitFrames(payload, 1024, () => assert.fail('no frame before the check')),
    false,
  );
  assert.equal(
    splitFrames(Buffer.from([0, 0]), 1024, () => {}),
    false,
    'a torn length prefix',
  );
});

test('the stream reader reassembles messages split anywhere and refuses bad lengths early', () => {
  const reader = new LengthPrefixedReader(1, 100);
  const stream = Buffer.concat([Buffer.from([0, 0, 0, 3, 1, 2, 3]), Buffer.from([0, 0, 0, 1, 9])]);
  const got: string[] = [];
  for (const byte of stream)
    assert.equal(
      reader.push(Buffer.from([byte]), (m) => got.push(m.toString('hex')) > 0),
      'ok',
    );
  assert.deepEqual(got, ['00000003010203', '0000000109']);
  assert.equal(reader.bufferedBytes, 0);
  assert.equal(
    new LengthPrefixedReader(1, 100).push(Buffer.from([0, 0, 0, 101]), () => true),
    'oversized',
  );
  assert.equal(
    new LengthPrefixedReader(1, 100).push(Buffer.from([0, 0, 0, 0]), () => true),
    'undersized',
  );
  // The length alone decides: 4 GiB is refused without a byte of its body.
  assert.equal(
    new LengthPrefixedReader(1, 100).push(Buffer.from([0xff, 0xff, 0xff, 0xff]), () => true),
    'oversized',
  );
});

test('the send queue drops the newest frame at either bound and batches up to its target', () => {
  const q = new SendQueue(3, 10);
  assert.equal(q.push(Buffer.alloc(4)), true);
  assert.equal(q.push(Buffer.alloc(4)), true);
  assert.equal(q.push(Buffer.alloc(4)), false, 'byte bound');
  assert.equal(q.push(Buffer.alloc(2)), true);
  assert.equal(q.push(Buffer.alloc(0)), false, 'frame bound');
  assert.equal(q.queuedBytes, 10);
  const b = q.takeBatch(16, 4);
  assert.deepEqual([b?.from, b?.to, b?.payloadBytes], [0, 2, 16]);
  q.compact();
  assert.equal(q.queuedBytes, 2);
  assert.deepEqual(q.takeBatch(1, 4)?.payloadBytes, 6, 'one frame at least, even past the target');
  assert.equal(q.takeBatch(16, 4), undefined);
});

test('hello payloads round-trip and timestamps strictly increase', () => {
  const hello = { id: 1234, timestamp: nextHelloTimestamp() };
  assert.deepEqual(decodeHello(encodeHello(hello)), hello);
  assert.equal(decodeHello(Buffer.alloc(11)), undefined);
  let last = nextHelloTimestamp();
  for (let i = 0; i < 5000; i++) {
    const t = nextHelloTimestamp();
    assert.ok(t > last);
    last = t;
  }
});
