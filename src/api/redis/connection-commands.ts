/**
 * Commands the gateway answers itself, without the cluster: what redis-cli and redis-benchmark
 * send around their real work. redis-benchmark starts with `CONFIG GET save` and `CONFIG GET
 * appendonly` (pipelined): the gateway answers with the values that describe it (no snapshots,
 * no append-only file: durability comes from replication), so the benchmark prints no warning.
 * HELLO gets an error, so clients fall back to RESP2, the only protocol spoken here.
 */
import * as resp from './resp-reply.js';
import { errorPlan, reply, type CommandSpec, type ConnectionInfo, type Plan } from './plan.js';

/** CONFIG GET answers: only parameters whose value is true of the gateway. */
const configValues: ReadonlyMap<string, string> = new Map([
  ['save', ''],
  ['appendonly', 'no'],
  ['databases', '1'],
]);

/** Redis glob patterns (* ? [...] and backslash escapes) as a regular expression. */
function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRegExp(pattern[++i] as string);
    else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`, 'is');
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function configCommand(args: readonly Buffer[]): Plan {
  const sub = (args[1] as Buffer).toString('latin1').toLowerCase();
  if (sub !== 'get') {
    return errorPlan(
      sub === 'set' || sub === 'resetstat' || sub === 'rewrite'
        ? `ERR CONFIG ${sub.toUpperCase()} is not supported by the Bulwark gateway`
        : `ERR unknown subcommand '${sub}'. Try CONFIG HELP.`,
    );
  }
  if (args.length < 3) return errorPlan("ERR wrong number of arguments for 'config|get' command");
  const pairs: Buffer[] = [];
  const seen = new Set<string>();
  for (const a of args.slice(2)) {
    const re = globToRegExp(a.toString('latin1'));
    for (const [name, value] of configValues) {
      if (seen.has(name) || !re.test(name)) continue;
      seen.add(name);
      pairs.push(resp.bulk(name), resp.bulk(value));
    }
  }
  return reply(resp.array(pairs));
}

function clientCommand(args: readonly Buffer[], conn: ConnectionInfo): Plan {
  const sub = (args[1] as Buffer).toString('latin1').toLowerCase();
  switch (sub) {
    case 'setname': {
      if (args.length !== 3) return errorPlan("ERR wrong number of arguments for 'client|setname' command");
      const name = (args[2] as Buffer).toString('latin1');
      if (/[^\x21-\x7e]/.test(name))
        return errorPlan('ERR Client names cannot contain spaces, newlines or special characters.');
      conn.name = name === '' ? undefined : name;
      return reply(resp.OK);
    }
    case 'getname':
      return reply(resp.bulk(conn.name));
    case 'id':
      return reply(resp.integer(conn.id));
    case 'setinfo':
      return reply(resp.OK);
    case 'info':
      return reply(resp.bulk(`id=${conn.id} name=${conn.name ?? ''} db=0 resp=2\n`));
    default:
      return errorPlan(`ERR unknown subcommand '${sub}'. Try CLIENT HELP.`);
  }
}

function infoCommand(_args: readonly Buffer[], conn: ConnectionInfo): Plan {
  const lines = [
    '# Server',
    // Clients read the version to choose features: this gateway speaks the RESP2 subset of Redis 7.0.
    'redis_version:7.0.0',
    'redis_mode:standalone',
    'bulwark_version:0.1.0',
    'bulwark_role:gateway to a Byzantine-fault-tolerant replicated key-value store',
    `tcp_port:${conn.port}`,
    '',
    '# Persistence',
    'aof_enabled:0',
    '',
    '# Replication',
    'role:master',
    'connected_slaves:0',
    '',
    '# Keyspace',
    '',
  ];
  return reply(resp.bulk(lines.join('\r\n')));
}

export const connectionCommands: Record<string, CommandSpec> = {
  ping: {
    arity: -1,
    handler: (a) => {
      if (a.length > 2) return errorPlan("ERR wrong number of arguments for 'ping' command");
      return reply(a.length === 2 ? resp.bulk(a[1]) : resp.PONG);
    },
  },
  echo: { arity: 2, handler: (a) => reply(resp.bulk(a[1])) },
  select: {
    arity: 2,
    handler: (a) =>
      (a[1] as Buffer).toString('latin1') === '0'
        ? reply(resp.OK)
        : errorPlan('ERR DB index is out of range'),
  },
  command: {
    arity: -1,
    handler: (a) =>
      a.length >= 2 && (a[1] as Buffer).toString('latin1').toLowerCase() === 'count'
        ? reply(resp.integer(0))
        : reply(resp.EMPTY_ARRAY),
  },
  config: { arity: -2, handler: configCommand },
  client: { arity: -2, handler: clientCommand },
  info: { arity: -1, handler: infoCommand },
  quit: { arity: -1, handler: () => reply(resp.OK, true) },
  hello: { arity: -1, handler: () => errorPlan('NOPROTO this gateway speaks RESP2 only') },
};
