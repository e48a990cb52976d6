/**
 * The Redis-protocol gateway: a RESP2 server over TCP in front of the replicated key-value
 * store, so unmodified `redis-cli` and `redis-benchmark` use the cluster. Each connection is
 * served by one backend (a KvClient over its own client identity), chosen round-robin, and all
 * of its bounds are in core/limits.ts. Bad input never takes the gateway down: a protocol error
 * closes that connection, a failed cluster request fails that command.
 *
 * Commands: GET, SET key value [NX|XX] [GET] [KEEPTTL], SETNX, DEL, MGET, EXISTS, INCR, INCRBY,
 * DECR, DECRBY, and the compare-and-set `CAS key expected new` (alias `BULWARK.CAS`; :1 if it
 * stored, :0 if not; for "expected absent" use SETNX or SET ... NX). Expiry (EX, PX, EXAT,
 * PXAT) is refused: a replicated store has no shared clock to expire keys by.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../core/env.js';
import { limits } from '../../core/limits.js';
import { silentLogger } from '../../core/log.js';
import type { KvBackend } from '../kv/client.js';
import { Connection, type ConnectionLimits } from './connection.js';
import { defaultRespBounds, type RespBounds } from './resp-parser.js';

export interface GatewayOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** At least one; connections are spread over them round-robin. */
  readonly backends: readonly KvBackend[];
  readonly connectionsMax?: number;
  readonly pipelineMax?: number;
  readonly outputBytesMax?: number;
  readonly bounds?: Partial<RespBounds>;
  readonly log?: Logger;
}

export interface GatewayCounters {
  connectionsOpen: number;
  connectionsAccepted: number;
  connectionsRefused: number;
  commands: number;
  protocolErrors: number;
}

const MAX_CLIENTS_REPLY = '-ERR max number of clients reached\r\n';

export class RedisGateway {
  readonly counters: GatewayCounters = {
    connectionsOpen: 0,
    connectionsAccepted: 0,
    connectionsRefused: 0,
    commands: 0,
    protocolErrors: 0,
  };
  private readonly connections = new Set<Connection>();
  private readonly connectionLimits: ConnectionLimits;
  private readonly connectionsMax: number;
  private readonly log: Logger;
  private nextId = 1;
  private port = 0;

  private constructor(
    private readonly server: Server,
    private readonly opts: GatewayOptions,
  ) {
    if (opts.backends.length === 0) throw new Error('the gateway needs at least one backend');
    this.connectionsMax = opts.connectionsMax ?? limits.respConnectionsMax;
    this.log = opts.log ?? silentLogger;
    this.connectionLimits = {
      pipelineMax: opts.pipelineMax ?? limits.respPipelineMax,
      outputBytesMax: opts.outputBytesMax ?? limits.respOutputBytesMax,
      bounds: { ...defaultRespBounds, ...opts.bounds },
    };
    server.on('connection', (socket) => this.onConnection(socket));
    server.on('error', (e) => this.log.log('error', 'gateway.error', { message: e.message }));
  }

  /** Listens and resolves once the port is bound. */
  static async start(opts: GatewayOptions): Promise<RedisGateway> {
    const server = createServer({ noDelay: true });
    const gateway = new RedisGateway(server, opts);
    server.listen(opts.port, opts.host ?? '127.0.0.1');
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([e]) => {
        throw e as Error;
      }),
    ]);
    gateway.port = (server.address() as { port: number }).port;
    return gateway;
  }

  get address(): { host: string; port: number } {
    return { host: this.opts.host ?? '127.0.0.1', port: this.port };
  }

  /** Stops listening and drops every connection; commands in flight are abandoned. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await closed;
  }

  private onConnection(socket: Socket): void {
    if (this.connections.size >= this.connectionsMax) {
      this.counters.connectionsRefused++;
      socket.on('error', () => socket.destroy());
      socket.end(MAX_CLIENTS_REPLY);
      return;
    }
    const id = this.nextId++;
    const backend = this.opts.backends[id % this.opts.backends.length] as KvBackend;
    const connection = new Connection(socket, backend, this.connectionLimits, id, this.port, {
      onCommand: () => this.counters.commands++,
      onClientError: () => this.counters.protocolErrors++,
    });
    this.connections.add(connection);
    this.counters.connectionsAccepted++;
    this.counters.connectionsOpen = this.connections.size;
    socket.on('close', () => {
      this.connections.delete(connection);
      this.counters.connectionsOpen = this.connections.size;
    });
  }
}
