/**
 * A typed client of the key-value service over the client library: encodes each call as a
 * KvOp, sends it through `BulwarkClient.invoke` (GET, MGET and EXISTS on the read-only path),
 * and decodes the result. Typed calls throw `KvError` for an error result (a Redis-style
 * message, e.g. INCR of a value that is not an integer); `run` returns any result as is.
 */
import {
  isReadOnlyOp,
  kvOpCodec,
  kvResultCodec,
  opFrameBytes,
  utf8,
  type KvOp,
  type KvResult,
  type SetCondition,
} from './ops.js';
import { limits } from '../../core/limits.js';

/** What KvClient needs of the client library; `BulwarkClient` has exactly this. */
export interface KvInvoker {
  invoke(op: Uint8Array, readOnly?: boolean): Promise<Uint8Array>;
}

/** Anything that runs key-value ops: a KvClient over a cluster, or an in-memory stand-in for tests. */
export interface KvBackend {
  run(op: KvOp): Promise<KvResult>;
}

/** The service answered with an error result. */
export class KvError extends Error {
  override name = 'KvError';
}

/** The cluster's answer could not be decoded as a result (a bug, or a reply no quorum should accept). */
export class KvProtocolError extends Error {
  override name = 'KvProtocolError';
}

export type Bytes = Uint8Array | string;

const toBytes = (b: Bytes): Uint8Array => (typeof b === 'string' ? utf8(b) : b);

export interface SetOptions {
  /** 'nx': only if absent; 'xx': only if present. */
  readonly condition?: Exclude<SetCondition, 'always'>;
}

export class KvClient implements KvBackend {
  constructor(private readonly invoker: KvInvoker) {}

  async run(op: KvOp): Promise<KvResult> {
    if (opFrameBytes(op) > limits.opBytesMax)
      throw new KvError(
        `ERR request of ${opFrameBytes(op)} bytes exceeds the op bound of ${limits.opBytesMax}`,
      );
    const reply = await this.invoker.invoke(kvOpCodec.encode(op), isReadOnlyOp(op));
    const decoded = kvResultCodec.decode(reply);
    if (!decoded.ok) throw new KvProtocolError(`undecodable result: ${decoded.error.code}`);
    return decoded.value;
  }

  /** The value, or undefined if the key is absent. */
  async get(key: Bytes): Promise<Uint8Array | undefined> {
    const r = await this.run({ kind: 'get', key: toBytes(key) });
    if (r.kind === 'nil') return undefined;
    return expect(r, 'bulk').value;
  }

  /** Whether the value was written (false when an NX/XX condition held it back). */
  async set(key: Bytes, value: Bytes, options: SetOptions = {}): Promise<boolean> {
    const r = await this.run({
      kind: 'set',
      key: toBytes(key),
      value: toBytes(value),
      condition: options.condition ?? 'always',
      returnOld: false,
    });
    if (r.kind === 'nil') return false;
    expect(r, 'ok');
    return true;
  }

  /** How many of the keys existed (and are now deleted). */
  async del(...keys: Bytes[]): Promise<number> {
    return Number(expect(await this.run({ kind: 'del', keys: keys.map(toBytes) }), 'int').value);
  }

  /** Adds `by` (default 1) to the integer at key (0 if absent); returns the new value. */
  async incr(key: Bytes, by = 1n): Promise<bigint> {
    return expect(await this.run({ kind: 'incr', key: toBytes(key), delta: by }), 'int').value;
  }

  async mget(...keys: Bytes[]): Promise<(Uint8Array | undefined)[]> {
    return expect(await this.run({ kind: 'mget', keys: keys.map(toBytes) }), 'array').values;
  }

  /** How many of the keys exist (a key named twice counts twice, as in Redis). */
  async exists(...keys: Bytes[]): Promise<number> {
    return Number(expect(await this.run({ kind: 'exists', keys: keys.map(toBytes) }), 'int').value);
  }

  /** Stores `value` iff the key holds `expected` (undefined: iff it is absent); returns whether it did. */
  async cas(key: Bytes, expected: Bytes | undefined, value: Bytes): Promise<boolean> {
    const r = await this.run({
      kind: 'cas',
      key: toBytes(key),
      expected: expected === undefined ? undefined : toBytes(expected),
      value: toBytes(value),
    });
    return expect(r, 'int').value === 1n;
  }
}

function expect<K extends KvResult['kind']>(r: KvResult, kind: K): Extract<KvResult, { kind: K }> {
  if (r.kind === 'error') throw new KvError(r.message);
  if (r.kind !== kind) throw new KvProtocolError(`expected a ${kind} result, got ${r.kind}`);
  return r as Extract<KvResult, { kind: K }>;
}
