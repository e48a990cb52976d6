/**
 * Writes into a buffer whose exact size the schema computed first, so encoding allocates once
 * and the output is exactly the canonical form. Bytes are written directly (no DataView per
 * message: encoding is on every hot path).
 */
export class Writer {
  offset = 0;

  constructor(readonly bytes: Uint8Array) {}

  u8(v: number): void {
    this.bytes[this.offset++] = v;
  }

  u16(v: number): void {
    const b = this.bytes;
    b[this.offset] = v >>> 8;
    b[this.offset + 1] = v;
    this.offset += 2;
  }

  u32(v: number): void {
    const b = this.bytes;
    const o = this.offset;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
    this.offset = o + 4;
  }

  u64(v: number): void {
    this.u32(Math.floor(v / 0x1_0000_0000));
    this.u32(v >>> 0);
  }

  put(data: Uint8Array): void {
    this.bytes.set(data, this.offset);
    this.offset += data.byteLength;
  }
}
