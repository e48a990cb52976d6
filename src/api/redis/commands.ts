/**
 * The gateway's command table: each Redis command either becomes one key-value op (with how to
 * render its result) or is answered by the gateway itself (PING, ECHO, SELECT 0, COMMAND, CONFIG
 * GET, CLIENT, INFO, QUIT, HELLO). Arity and argument errors use Redis's wording, so clients
 * that match on messages keep working. Pure: no I/O, no state beyond the connection's name.
 */
import { limits } from '../../core/limits.js';
import { I64_MIN, type KvOp, type KvResult } from '../kv/ops.js';
import { parseI64 } from '../kv/semantics.js';
import * as resp from './resp-reply.js';
import { connectionCommands } from './connection-commands.js';
import { errorPlan, type CommandSpec, type ConnectionInfo, type Plan } from './plan.js';

const op = (o: KvOp, render: (r: KvResult) => Buffer = resp.renderResult): Plan => ({
  kind: 'op',
  op: o,
  render,
});

export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';

/** A key or value beyond the service's bounds, checked before anything reaches the cluster. */
function tooLong(args: readonly Buffer[], keyIndexes: readonly number[], valueIndexes: readonly number[]) {
  for (const i of keyIndexes)
    if ((args[i]?.length ?? 0) > limits.kvKeyBytesMax)
      return `ERR key is longer than ${limits.kvKeyBytesMax} bytes`;
  for (const i of valueIndexes)
    if ((args[i]?.length ?? 0) > limits.kvValueBytesMax)
      return `ERR value is longer than ${limits.kvValueBytesMax} bytes`;
  return undefined;
}

function keyed(args: readonly Buffer[], from: number, build: (keys: Buffer[]) => KvOp): Plan {
  const keys = args.slice(from);
  if (keys.length > limits.kvKeysPerOpMax)
    return errorPlan(`ERR too many keys (at most ${limits.kvKeysPerOpMax})`);
  const bad = tooLong(
    args,
    keys.map((_, i) => i + from),
    [],
  );
  return bad === undefined ? op(build(keys)) : errorPlan(bad);
}

function incrBy(key: Buffer, delta: bigint): Plan {
  const bad = tooLong([key], [0], []);
  return bad === undefined ? op({ kind: 'incr', key, delta }) : errorPlan(bad);
}

/** SET key value [NX|XX] [GET] [KEEPTTL]; expiry options are refused: a replicated store has no shared clock to expire by. */
function setCommand(args: readonly Buffer[]): Plan {
  const [, key, value] = args as [Buffer, Buffer, Buffer];
  let condition: 'always' | 'nx' | 'xx' = 'always';
  let returnOld = false;
  for (let i = 3; i < args.length; i++) {
    const option = (args[i] as Buffer).toString('latin1').toUpperCase();
    if ((option === 'NX' || option === 'XX') && condition === 'always')
      condition = option === 'NX' ? 'nx' : 'xx';
    else if (option === 'GET') returnOld = true;
    else if (option === 'KEEPTTL') continue;
    else if (['EX', 'PX', 'EXAT', 'PXAT'].includes(option))
      return errorPlan(
        `ERR SET ${option} is not supported: a replicated store without a shared clock keeps no expiry`,
      );
    else return errorPlan(ERR_SYNTAX);
  }
  const bad = tooLong(args, [1], [2]);
  if (bad !== undefined) return errorPlan(bad);
  return op({ kind: 'set', key, value, condition, returnOld });
}

/** CAS key expected new: stores new iff key holds exactly expected; :1 if it did, :0 if not. */
function casCommand(args: readonly Buffer[]): Plan {
  const [, key, expected, value] = args as [Buffer, Buffer, Buffer, Buffer];
  const bad = tooLong(args, [1], [2, 3]);
  return bad === undefined ? op({ kind: 'cas', key, expected, value }) : errorPlan(bad);
}

/** SETNX key value: the compare-and-set of an absent key; :1 if it stored, :0 if the key existed. */
function setnxCommand(args: readonly Buffer[]): Plan {
  const [, key, value] = args as [Buffer, Buffer, Buffer];
  const bad = tooLong(args, [1], [2]);
  if (bad !== undefined) return errorPlan(bad);
  return op({ kind: 'set', key, value, condition: 'nx', returnOld: false }, (r) =>
    r.kind === 'ok' ? resp.integer(1) : r.kind === 'nil' ? resp.integer(0) : resp.renderResult(r),
  );
}

function integerArg(b: Buffer): bigint | undefined {
  return parseI64(b);
}

const dataCommands: Record<string, CommandSpec> = {
  get: { arity: 2, handler: (a) => keyed(a, 1, ([key]) => ({ kind: 'get', key: key as Buffer })) },
  set: { arity: -3, handler: setCommand },
  setnx: { arity: 3, handler: setnxCommand },
  del: { arity: -2, handler: (a) => keyed(a, 1, (keys) => ({ kind: 'del', keys })) },
  mget: { arity: -2, handler: (a) => keyed(a, 1, (keys) => ({ kind: 'mget', keys })) },
  exists: { arity: -2, handler: (a) => keyed(a, 1, (keys) => ({ kind: 'exists', keys })) },
  incr: { arity: 2, handler: (a) => incrBy(a[1] as Buffer, 1n) },
  decr: { arity: 2, handler: (a) => incrBy(a[1] as Buffer, -1n) },
  incrby: {
    arity: 3,
    handler: (a) => {
      const n = integerArg(a[2] as Buffer);
      return n === undefined ? errorPlan(ERR_NOT_INTEGER) : incrBy(a[1] as Buffer, n);
    },
  },
  decrby: {
    arity: 3,
    handler: (a) => {
      const n = integerArg(a[2] as Buffer);
      if (n === undefined) return errorPlan(ERR_NOT_INTEGER);
      if (n === I64_MIN) return errorPlan('ERR decrement would overflow');
      return incrBy(a[1] as Buffer, -n);
    },
  },
  cas: { arity: 4, handler: casCommand },
  'bulwark.cas': { arity: 4, handler: casCommand },
};

const table: ReadonlyMap<string, CommandSpec> = new Map(
  Object.entries({ ...dataCommands, ...connectionCommands }),
);

/** Every command the gateway knows, for INFO and the documentation. */
export const commandNames: readonly string[] = [...table.keys()].sort();

/** Redis's reply to a command it does not know, arguments quoted up to 128 characters. */
export function unknownCommand(args: readonly Buffer[]): string {
  const name = (args[0] as Buffer).toString('latin1').slice(0, 128);
  let shown = '';
  for (let i = 1; i < args.length && shown.length < 128; i++)
    shown += `'${(args[i] as Buffer).toString('latin1').slice(0, 128 - shown.length)}' `;
  return `ERR unknown command '${name}', with args beginning with: ${shown}`;
}

/** What to do with one parsed command. Never throws. */
export function planCommand(args: readonly Buffer[], conn: ConnectionInfo): Plan {
  const name = (args[0] as Buffer).toString('latin1').toLowerCase();
  const spec = table.get(name);
  if (spec === undefined) return errorPlan(unknownCommand(args));
  if ((spec.arity > 0 && args.length !== spec.arity) || (spec.arity < 0 && args.length < -spec.arity))
    return errorPlan(`ERR wrong number of arguments for '${name}' command`);
  return spec.handler(args, conn);
}
