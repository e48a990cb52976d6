/**
 * Byte strings: equality, and a hex name for use as a map key. One implementation for every
 * layer (digests, signatures, results, keys). Not constant-time: MAC and tag checks use
 * `crypto.timingSafeEqual` (real suite) or their own comparison (none suite).
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.byteLength === b.byteLength && Buffer.compare(a, b) === 0);
}

export function hex(d: Uint8Array): string {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}
