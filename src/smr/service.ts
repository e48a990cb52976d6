/**
 * A replicated service: deterministic execution of operations. Same state, same operation,
 * same result on every correct replica. The SMR layer calls it in the agreed order only.
 */
import type { NodeId } from '../core/ids.js';

export interface ExecutionContext {
  readonly client: NodeId;
  readonly requestId: number;
  readonly seq: number;
}

export interface Service {
  /** Apply an operation; returns its result. Must be deterministic and must not throw on bad input. */
  execute(op: Uint8Array, ctx: ExecutionContext): Uint8Array;
  /** Answer a read-only operation from the current state without changing it. */
  query(op: Uint8Array): Uint8Array;
  /** A digest of the whole state (for checkpoints and the simulator's agreement checks). */
  stateDigest(digest: (data: Uint8Array) => Uint8Array): Uint8Array;
}

/**
 * The service of benchmarks and simulator runs: it counts operations and answers with the
 * count followed by `replyBytes` bytes of padding, so a run can choose its reply size. The
 * count makes every result depend on the whole order, so any divergence shows in the results.
 */
export class CounterService implements Service {
  private count = 0;

  constructor(private readonly replyBytes = 0) {}

  execute(): Uint8Array {
    this.count++;
    return this.result();
  }

  query(): Uint8Array {
    return this.result();
  }

  stateDigest(digest: (data: Uint8Array) => Uint8Array): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, this.count);
    return digest(b);
  }

  private result(): Uint8Array {
    const out = new Uint8Array(8 + this.replyBytes);
    new DataView(out.buffer).setFloat64(0, this.count);
    return out;
  }
}
