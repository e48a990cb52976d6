/** Byte-level mutations for malformed and mutant frames. */
import type { Codec } from '../../codec/frame.js';
import type { SeededRng } from '../../core/rng.js';

/** A copy of `bytes` with one random mutation: bit flip, byte set, truncation, extension or garbage. */
export function mutateBytes(rng: SeededRng, bytes: Uint8Array): Uint8Array {
  const choice = rng.int(5);
  if (choice === 0 || bytes.byteLength < 2) {
    const out = bytes.slice();
    const i = rng.int(out.byteLength);
    out[i] = (out[i] as number) ^ (1 << rng.int(8));
    return out;
  }
  if (choice === 1) {
    const out = bytes.slice();
    out[rng.int(out.byteLength)] = rng.int(256);
    return out;
  }
  if (choice === 2) return bytes.slice(0, rng.int(bytes.byteLength));
  if (choice === 3) {
    const out = new Uint8Array(bytes.byteLength + 1 + rng.int(16));
    out.set(bytes);
    for (let i = bytes.byteLength; i < out.byteLength; i++) out[i] = rng.int(256);
    return out;
  }
  const out = new Uint8Array(1 + rng.int(64));
  for (let i = 0; i < out.byteLength; i++) out[i] = rng.int(256);
  return out;
}

/**
 * A mutant: a frame that still decodes but says something else (a flipped bit in a field).
 * Falls back to the original when no mutation within a few tries decodes.
 */
export function mutantOf(rng: SeededRng, codec: Codec<unknown>, bytes: Uint8Array): Uint8Array {
  for (let attempt = 0; attempt < 16; attempt++) {
    const out = bytes.slice();
    // Skip the version byte and the envelope tag: a mutant keeps its kind.
    if (out.byteLength <= 2) return bytes;
    const i = 2 + rng.int(out.byteLength - 2);
    out[i] = (out[i] as number) ^ (1 << rng.int(8));
    if (codec.decode(out).ok) return out;
  }
  return bytes;
}

/** A small deterministic hash of bytes, to derive one mutation per message (equivocation). */
export function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.byteLength; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193) >>> 0;
  return h;
}
