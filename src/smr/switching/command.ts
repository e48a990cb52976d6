/**
 * The reconfiguration command: a client request whose op starts with a reserved prefix that no
 * service op can start with (README.md, "The system op"). Its body is an administrator-signed
 * `{nextEpoch, protocol, members, atSeq, tuning, nonce}`. It is ordered like any request; the
 * replicas judge it when they execute it (system-service.ts), so every correct replica reaches
 * the same verdict at the same sequence number.
 */
import { codec, encodeBody } from '../../codec/frame.js';
import { fixedBytes, list, string, struct, u32, u64, type Infer } from '../../codec/schema.js';
import { SIGNATURE_BYTES, type CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';
import { limits } from '../../core/limits.js';
import { err, ok, type Result } from '../../core/result.js';

/**
 * The first bytes of every system op. 0xff first: the key-value store's ops are frames whose
 * first byte is the wire version (1), so none of them can start with it; the counter ignores its
 * ops, and a random op hits these 24 bytes with probability 2^-192.
 */
export const SYSTEM_OP_PREFIX = Uint8Array.from([
  0xff,
  ...new TextEncoder().encode('bulwark/reconfigure/v1\0'),
]);
const PREFIX = SYSTEM_OP_PREFIX;

/** The domain of the administrator's signature: it can sign nothing else by mistake. */
const SIGN_DOMAIN = new TextEncoder().encode('bulwark/reconfigure-signature/v1\0');

const tuningEntry = struct('TuningEntry', {
  name: string(limits.labelBytesMax, 'name'),
  value: u32,
});

export const commandSchema = struct('Reconfigure', {
  /** The epoch this command starts: exactly the current one plus one, or it is refused. */
  nextEpoch: u32,
  protocol: string(limits.labelBytesMax, 'protocol'),
  /** Node ids of the new epoch's members, in rank order; hosts of the cluster file. */
  members: list(u32, limits.membersMax, 'members'),
  /** The new epoch starts after this global seq at the earliest (0: as soon as ordered). */
  atSeq: u64,
  tuning: list(tuningEntry, 32, 'tuning'),
  /** Makes two otherwise equal commands different signed texts. */
  nonce: u64,
});

export type Command = Infer<typeof commandSchema>;

const signedSchema = struct('SignedReconfigure', {
  command: commandSchema,
  signature: fixedBytes(SIGNATURE_BYTES, 'signature'),
});
const signedCodec = codec(signedSchema, limits.opBytesMax);

export type SignedCommand = Infer<typeof signedSchema>;

export function isSystemOp(op: Uint8Array): boolean {
  if (op.byteLength < PREFIX.byteLength) return false;
  for (let i = 0; i < PREFIX.byteLength; i++) if (op[i] !== PREFIX[i]) return false;
  return true;
}

function signedBytes(c: Command): Uint8Array {
  const body = encodeBody(commandSchema, c);
  const out = new Uint8Array(SIGN_DOMAIN.byteLength + body.byteLength);
  out.set(SIGN_DOMAIN);
  out.set(body, SIGN_DOMAIN.byteLength);
  return out;
}

/** The administrator's side: the op of a signed command (`crypto` holds the admin's key). */
export function encodeCommandOp(crypto: CryptoSuite, c: Command): Uint8Array {
  const frame = signedCodec.encode({ command: c, signature: crypto.sign(signedBytes(c)) });
  const out = new Uint8Array(PREFIX.byteLength + frame.byteLength);
  out.set(PREFIX);
  out.set(frame, PREFIX.byteLength);
  return out;
}

/** Strict decoding of a system op, without judging the signature. */
export function decodeCommandOp(op: Uint8Array): Result<SignedCommand, string> {
  if (!isSystemOp(op)) return err('not a system op');
  const r = signedCodec.decode(op.subarray(PREFIX.byteLength));
  if (!r.ok) return err(`malformed command (${r.error.code} at ${r.error.where})`);
  return ok(r.value);
}

/** Whether the administrator `admin` signed this command. */
export function verifyCommand(crypto: CryptoSuite, admin: NodeId, s: SignedCommand): boolean {
  return crypto.verify(admin, signedBytes(s.command), s.signature);
}

export function tuningOf(c: Command): Record<string, number> | undefined {
  if (c.tuning.length === 0) return undefined;
  return Object.fromEntries(c.tuning.map((t) => [t.name, t.value]));
}

export function tuningEntries(t: Readonly<Record<string, number>> | undefined): Command['tuning'] {
  return Object.entries(t ?? {}).map(([name, value]) => ({ name, value }));
}
