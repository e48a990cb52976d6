/**
 * A crypto suite that measures the time spent in it, so an experiment can report the share of
 * cryptography directly (seed 003's Figure 5(d) compares runs with and without it; this says how
 * much of one run's time the member spent signing, verifying and digesting).
 */
import type { CryptoMode, CryptoSuite } from '../../core/crypto-suite.js';
import type { NodeId } from '../../core/ids.js';

export interface CryptoTimes {
  signs: number;
  verifies: number;
  /** Milliseconds in sign, verify and digest together. */
  ms: number;
}

export class TimedCryptoSuite implements CryptoSuite {
  readonly mode: CryptoMode;
  readonly times: CryptoTimes = { signs: 0, verifies: 0, ms: 0 };

  constructor(private readonly inner: CryptoSuite) {
    this.mode = inner.mode;
  }

  reset(): void {
    this.times.signs = 0;
    this.times.verifies = 0;
    this.times.ms = 0;
  }

  digest(data: Uint8Array): Uint8Array {
    const t0 = performance.now();
    const d = this.inner.digest(data);
    this.times.ms += performance.now() - t0;
    return d;
  }

  sign(data: Uint8Array): Uint8Array {
    const t0 = performance.now();
    const s = this.inner.sign(data);
    this.times.ms += performance.now() - t0;
    this.times.signs++;
    return s;
  }

  verify(signer: NodeId, data: Uint8Array, signature: Uint8Array): boolean {
    const t0 = performance.now();
    const ok = this.inner.verify(signer, data, signature);
    this.times.ms += performance.now() - t0;
    this.times.verifies++;
    return ok;
  }

  mac(peer: NodeId, data: Uint8Array): Uint8Array {
    return this.inner.mac(peer, data);
  }

  verifyMac(peer: NodeId, data: Uint8Array, tag: Uint8Array): boolean {
    return this.inner.verifyMac(peer, data, tag);
  }
}
