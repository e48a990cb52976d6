/**
 * Generating a cluster (`bulwark keygen`): fresh key pairs for every member and client, a
 * cluster file validated exactly as a loaded one would be, and the directory of files.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrivateIdentity } from '../core/cluster.js';
import type { CryptoMode } from '../core/crypto-suite.js';
import { CLIENT_ID_MIN } from '../core/ids.js';
import { limits } from '../core/limits.js';
import { err, ok, type Result } from '../core/result.js';
import { generateIdentity } from '../crypto/keys.js';
import {
  CLUSTER_CLIENTS_MAX,
  CLUSTER_FILE_NAME,
  clusterSpecToDocument,
  formatClusterFile,
  ioError,
  isInt,
  parseClusterDocument,
  Problems,
  show,
  writeText,
  type ClusterFileError,
  type ClusterFileSpec,
} from './cluster-file.js';
import type { Qos } from './qos.js';
import { saveKeyFile } from './key-file.js';

export interface GenerateClusterOptions {
  readonly n: number;
  readonly clients?: number;
  readonly name?: string;
  readonly host?: string;
  readonly basePort?: number;
  readonly protocol?: string;
  readonly f?: number;
  readonly crypto?: CryptoMode;
  readonly encryption?: boolean;
  /** The QoS that `protocol` and `f` were planned from; written to the file instead of them. */
  readonly qos?: Qos;
  readonly tuning?: Readonly<Record<string, number>>;
}

export interface GeneratedCluster {
  readonly spec: ClusterFileSpec;
  /** Private identities of members, then clients, in id order. */
  readonly privates: readonly PrivateIdentity[];
}

// Generation (`bulwark keygen`).
/** Fresh keys for n members and the clients, validated as a cluster file would be. */
export function generateCluster(options: GenerateClusterOptions): Result<GeneratedCluster, ClusterFileError> {
  const n = options.n;
  const clientCount = options.clients ?? 8;
  const host = options.host ?? '127.0.0.1';
  const basePort = options.basePort ?? 7100;
  const p = new Problems('keygen');
  if (!isInt(n, 1, limits.membersMax))
    p.add('n', `must be an integer in 1..${limits.membersMax}, got ${show(n)}`);
  if (!isInt(clientCount, 0, CLUSTER_CLIENTS_MAX))
    p.add('clients', `must be an integer in 0..${CLUSTER_CLIENTS_MAX}`);
  if (!isInt(basePort, 1, 65_535 - n + 1)) p.add('basePort', `must leave room for ${n} ports below 65536`);
  if (p.any()) return err(p.fail());

  const members = Array.from({ length: n }, (_, i) => generateIdentity(i));
  const clients = Array.from({ length: clientCount }, (_, i) => generateIdentity(CLIENT_ID_MIN + i));
  // The administrator signs reconfigurations (smr/switching): the next client id, its own key file.
  const admin = generateIdentity(CLIENT_ID_MIN + clientCount);
  const spec: ClusterFileSpec = {
    name: options.name ?? 'bulwark-local',
    crypto: options.crypto ?? 'real',
    encryption: options.encryption ?? false,
    protocol: options.protocol ?? 'pbft',
    f: options.f ?? Math.floor((n - 1) / 3),
    ...(options.tuning === undefined ? {} : { tuning: options.tuning }),
    ...(options.qos === undefined ? {} : { qos: options.qos }),
    members: members.map((m, i) => ({ ...m.publicIdentity, host, port: basePort + i })),
    clients: clients.map((c) => c.publicIdentity),
    admin: admin.publicIdentity,
  };
  const checked = parseClusterDocument(clusterSpecToDocument(spec), 'keygen');
  if (!checked.ok) return checked;
  return ok({ spec, privates: [...members, ...clients, admin].map((x) => x.privateIdentity) });
}

/**
 * Writes `cluster.yaml` and one key file per node into `dir`, creating it with mode 0700. Unless
 * `overwrite` is set, an existing file is an error, so a second keygen cannot silently replace
 * the keys of a running cluster. Returns the paths written.
 */
export async function writeClusterDir(
  dir: string,
  generated: GeneratedCluster,
  options: { readonly overwrite?: boolean } = {},
): Promise<Result<string[], ClusterFileError>> {
  const overwrite = options.overwrite ?? false;
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    // Only a directory we created is tightened: `--out .` must not chmod the operator's cwd.
    if (created !== undefined) await chmod(dir, 0o700);
  } catch (e) {
    return err(ioError(dir, e));
  }
  const written: string[] = [];
  const clusterText = formatClusterFile(generated.spec);
  if (!clusterText.ok) return clusterText;
  const clusterPath = join(dir, CLUSTER_FILE_NAME);
  const wroteCluster = await writeText(clusterPath, clusterText.value, 0o644, overwrite);
  if (!wroteCluster.ok) return wroteCluster;
  written.push(clusterPath);
  for (const priv of generated.privates) {
    const path = join(dir, priv.id === generated.spec.admin?.id ? ADMIN_KEY_FILE : keyFileName(priv.id));
    const wrote = await saveKeyFile(path, priv, { overwrite });
    if (!wrote.ok) return wrote;
    written.push(path);
  }
  return ok(written);
}

/** The administrator's private key file (mode 0600, like every key file). */
export const ADMIN_KEY_FILE = 'admin.key';

/** `member-<id>.key` for replicas, `client-<id>.key` for clients. */
export function keyFileName(id: number): string {
  return id >= CLIENT_ID_MIN ? `client-${id}.key` : `member-${id}.key`;
}
