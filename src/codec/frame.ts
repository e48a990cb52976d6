/**
 * Frames: one versioned message. A frame is a version byte, then the message's canonical
 * encoding; nothing may follow it. `decode` never throws on any input and never reads beyond
 * the frame (see schema.ts for the allocation bound).
 */
import { limits } from '../core/limits.js';
import { err, ok, type Result } from '../core/result.js';
import { DecodeFailure, type DecodeError } from './errors.js';
import { Reader } from './reader.js';
import type { Schema } from './schema.js';
import { Writer } from './writer.js';

export const WIRE_VERSION = 1;
const HEADER_BYTES = 1;

export interface Codec<T> {
  readonly schema: Schema<T>;
  encode(message: T): Uint8Array;
  decode(frame: Uint8Array): Result<T, DecodeError>;
}

export function codec<T>(schema: Schema<T>, frameBytesMax: number = limits.frameBytesMax): Codec<T> {
  return {
    schema,
    encode(message) {
      const out = new Uint8Array(HEADER_BYTES + schema.size(message));
      const w = new Writer(out);
      w.u8(WIRE_VERSION);
      schema.write(w, message);
      return out;
    },
    decode(frame) {
      if (frame.byteLength > frameBytesMax) {
        return err({ code: 'FRAME_TOO_LARGE', offset: 0, where: schema.name });
      }
      const r = new Reader(frame);
      try {
        const version = r.u8('version');
        if (version !== WIRE_VERSION) r.fail('BAD_VERSION', 'version');
        const message = schema.read(r);
        if (r.remaining !== 0) r.fail('TRAILING_BYTES', schema.name);
        return ok(message);
      } catch (e) {
        if (e instanceof DecodeFailure) return err({ code: e.code, offset: e.offset, where: e.where });
        throw e;
      }
    },
  };
}

/** Encode a value of a schema without a frame header: for digests and signatures over parts of messages. */
export function encodeBody<T>(schema: Schema<T>, value: T): Uint8Array {
  const out = new Uint8Array(schema.size(value));
  schema.write(new Writer(out), value);
  return out;
}
