/**
 * How Bulwark uses Noise IK: what the prologue binds, what message 1 carries, and how the two
 * handshake messages are framed on the stream. Kept apart from the socket code so a test can act
 * as a raw peer with exactly these functions.
 */
import type { NodeId } from '../../core/ids.js';
import { LENGTH_BYTES } from './framing.js';
import {
  ikMessage1Bytes,
  ikMessage2Bytes,
  ikReadMessage1,
  ikReadMessage2,
  ikWriteMessage1,
  ikWriteMessage2,
  type DhKeyPair,
  type IkInitiatorState,
  type IkResponderState,
  type Outcome,
  type TransportKeys,
} from './noise.js';

/** Message 1's payload: the initiator's node id (u32) and its handshake timestamp (u64). */
export const HELLO_PAYLOAD_BYTES = 12;
export const MESSAGE1_BYTES = ikMessage1Bytes(HELLO_PAYLOAD_BYTES);
/** Message 2 carries an empty payload: all the responder must prove is its keys. */
export const MESSAGE2_BYTES = ikMessage2Bytes(0);

/**
 * Noise §6: both sides must agree on the prologue or the handshake fails. Naming the wire version,
 * the record mode and the cluster here keeps keys of one cluster (or version) from talking to
 * another, and turns a node configured for the other mode into a refused handshake rather than a
 * stream of bad tags (or a silent downgrade to cleartext).
 */
export function prologueFor(clusterName: string, encryption: boolean): Buffer {
  return Buffer.from(`bulwark/v1\0${encryption ? 'encrypted' : 'authenticated'}\0${clusterName}`, 'utf8');
}

export interface Hello {
  readonly id: NodeId;
  /**
   * Strictly increasing per initiator, even across restarts (wall-clock based). The responder
   * keeps the last one it accepted from each peer and refuses anything not newer, so a recorded
   * message 1 cannot be replayed to displace a live connection; WireGuard does the same with
   * TAI64N because IK's first message is otherwise replayable (Noise §7.7, destination property 2).
   */
  readonly timestamp: bigint;
}

export function encodeHello(hello: Hello): Buffer {
  const out = Buffer.alloc(HELLO_PAYLOAD_BYTES);
  out.writeUInt32BE(hello.id, 0);
  out.writeBigUInt64BE(hello.timestamp, 4);
  return out;
}

export function decodeHello(payload: Uint8Array): Hello | undefined {
  if (payload.byteLength !== HELLO_PAYLOAD_BYTES) return undefined;
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return { id: b.readUInt32BE(0), timestamp: b.readBigUInt64BE(4) };
}

/** A handshake message framed like everything else on the stream: u32 length, then the bytes. */
export function frameHandshake(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + message.byteLength);
  out.writeUInt32BE(message.byteLength, 0);
  out.set(message, LENGTH_BYTES);
  return out;
}

/** Initiator: framed message 1 and the state to read message 2 with. */
export function writeHello(
  s: DhKeyPair,
  responderStatic: Uint8Array,
  prologue: Uint8Array,
  hello: Hello,
): Outcome<{ framed: Buffer; state: IkInitiatorState }> {
  const r = ikWriteMessage1(s, responderStatic, prologue, encodeHello(hello));
  if (!r.ok) return r;
  return { ok: true, value: { framed: frameHandshake(r.value.message), state: r.value.state } };
}

/** Responder: message 1 (without its length prefix) to the claimed hello and the sender's key. */
export function readHello(
  s: DhKeyPair,
  prologue: Uint8Array,
  message: Uint8Array,
  isKnown: (initiatorStatic: Buffer) => boolean,
): Outcome<{ hello: Hello | undefined; state: IkResponderState }> {
  const r = ikReadMessage1(s, prologue, message, HELLO_PAYLOAD_BYTES, isKnown);
  if (!r.ok) return r;
  return { ok: true, value: { hello: decodeHello(r.value.payload), state: r.value.state } };
}

/** Responder: framed message 2 and the transport keys. */
export function writeWelcome(state: IkResponderState): Outcome<{ framed: Buffer; keys: TransportKeys }> {
  const r = ikWriteMessage2(state, new Uint8Array(0));
  if (!r.ok) return r;
  return { ok: true, value: { framed: frameHandshake(r.value.message), keys: r.value.keys } };
}

/** Initiator: message 2 (without its length prefix) to the transport keys. */
export function readWelcome(state: IkInitiatorState, message: Uint8Array): Outcome<TransportKeys> {
  const r = ikReadMessage2(state, message, 0);
  if (!r.ok) return r;
  return { ok: true, value: r.value.keys };
}

let lastTimestamp = 0n;

/**
 * The next handshake timestamp of this process: wall-clock milliseconds times 1024, bumped by one
 * when that would not be newer. A restarted process starts above what it sent before as long as
 * the clock did not step back and it made fewer than 1024 handshakes a millisecond.
 */
export function nextHelloTimestamp(): bigint {
  const now = BigInt(Date.now()) * 1024n;
  lastTimestamp = now > lastTimestamp ? now : lastTimestamp + 1n;
  return lastTimestamp;
}
