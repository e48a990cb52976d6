/**
 * A bounds-checked cursor over one frame. Every read checks the remaining length first, so
 * no read runs past the frame.
 */
import { DecodeFailure, type DecodeErrorCode } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Reader {
  offset = 0;

  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  fail(code: DecodeErrorCode, where: string): never {
    throw new DecodeFailure(code, this.offset, where);
  }

  need(count: number, where: string): void {
    if (count > this.remaining) this.fail('TRUNCATED', where);
  }

  u8(where: string): number {
    this.need(1, where);
    return this.bytes[this.offset++] as number;
  }

  u16(where: string): number {
    this.need(2, where);
    const b = this.bytes;
    const v = ((b[this.offset] as number) << 8) | (b[this.offset + 1] as number);
    this.offset += 2;
    return v;
  }

  u32(where: string): number {
    this.need(4, where);
    const v = this.be32(this.offset);
    this.offset += 4;
    return v;
  }

  /** An unsigned 64-bit integer that must fit a JavaScript safe integer. */
  u64(where: string): number {
    this.need(8, where);
    const hi = this.be32(this.offset);
    const lo = this.be32(this.offset + 4);
    if (hi > 0x1f_ffff) this.fail('OUT_OF_RANGE', where);
    this.offset += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  /** A big-endian u32 at `at` (the caller checked the bounds). */
  private be32(at: number): number {
    const b = this.bytes;
    return (
      (((b[at] as number) << 24) |
        ((b[at + 1] as number) << 16) |
        ((b[at + 2] as number) << 8) |
        (b[at + 3] as number)) >>>
      0
    );
  }

  /** `count` bytes as a view into the frame (no copy; frames are never reused). */
  take(count: number, where: string): Uint8Array {
    this.need(count, where);
    const v = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return v;
  }

  utf8(count: number, where: string): string {
    const raw = this.take(count, where);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail('INVALID_UTF8', where);
    }
  }
}
