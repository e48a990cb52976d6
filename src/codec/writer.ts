/**
 * Writes into a buffer whose exact size the schema computed first, so encoding allocates once
 * and the output is exactly the canonical form.
 */
export class Writer {
  private readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(v: number): void {
    this.view.setUint8(this.offset++, v);
  }

  u16(v: number): void {
    this.view.setUint16(this.offset, v);
    this.offset += 2;
  }

  u32(v: number): void {
    this.view.setUint32(this.offset, v);
    this.offset += 4;
  }

  u64(v: number): void {
    this.view.setUint32(this.offset, Math.floor(v / 0x1_0000_0000));
    this.view.setUint32(this.offset + 4, v >>> 0);
    this.offset += 8;
  }

  put(data: Uint8Array): void {
    this.bytes.set(data, this.offset);
    this.offset += data.byteLength;
  }
}
