/**
 * The group's cluster file: the ordinary cluster file (config/cluster-file.ts, `protocol: itua`)
 * with an optional `group` section. Every member listed there, with its keys and address, is on
 * the authorized list (seed 003: only a node whose key is on it may join); `group.initial` names
 * the members of view 0 in rank order (default: all of them, by id), so the others are nodes that
 * may join later;
 * `group.tuning` overrides the stack's timers by name (timers.ts), for every member alike.
 *
 *   protocol: itua
 *   members:
 *     - {id: 0, host: 127.0.0.1, port: 7100, signPublicKey: ..., dhPublicKey: ...}
 *     ...
 *   group:
 *     initial: [0, 1, 2, 3]
 *     tuning: {stallMs: 800}
 *
 * `bulwark keygen --protocol itua` writes a file without the section (every member in view 0).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import type { ClusterSpec, PrivateIdentity } from '../../core/cluster.js';
import type { NodeId } from '../../core/ids.js';
import { err, ok, type Result } from '../../core/result.js';
import {
  CLUSTER_FILE_NAME,
  formatClusterFile,
  isInt,
  isRecord,
  parseClusterDocument,
  parseYaml,
  Problems,
  readText,
  show,
  writeText,
  type ClusterFileError,
} from '../../config/cluster-file.js';
import { generateCluster, writeClusterDir, type GenerateClusterOptions } from '../../config/cluster-gen.js';

export const GROUP_PROTOCOL = 'itua';

export interface GroupSpec {
  readonly cluster: ClusterSpec;
  /** View 0, in rank order (as the file lists it). */
  readonly initial: readonly NodeId[];
  /** Every member of the cluster file: the nodes that may be members at all. */
  readonly authorized: readonly NodeId[];
  readonly tuning: Readonly<Record<string, number>>;
}

/** A cluster directory (with cluster.yaml in it) or the file itself. */
export async function resolveClusterPath(path: string): Promise<string> {
  try {
    if ((await stat(path)).isDirectory()) return join(path, CLUSTER_FILE_NAME);
  } catch {
    // A missing path is reported by the load that follows, with the file's name.
  }
  return path;
}

export async function loadGroupFile(path: string): Promise<Result<GroupSpec, ClusterFileError>> {
  const file = await resolveClusterPath(path);
  const text = await readText(file);
  if (!text.ok) return text;
  const raw = parseYaml(text.value, file);
  if (!raw.ok) return raw;
  return parseGroupDocument(raw.value, file);
}

/** The cluster file checks, then the group section's and the protocol's. */
export function parseGroupDocument(raw: unknown, where = 'group file'): Result<GroupSpec, ClusterFileError> {
  const { group, ...rest } = isRecord(raw) ? raw : { group: undefined };
  const cluster = parseClusterDocument(isRecord(raw) ? rest : raw, where);
  if (!cluster.ok) return cluster;
  const spec = cluster.value;
  const p = new Problems(where);
  if (spec.protocol !== GROUP_PROTOCOL)
    p.add('protocol', `must be '${GROUP_PROTOCOL}' for a group, got ${show(spec.protocol)}`);
  const authorized = spec.members.map((m) => m.id);
  let initial = authorized;
  let tuning: Record<string, number> = {};
  if (group !== undefined) {
    if (!isRecord(group)) return err(p.fail('group: must be a mapping of initial, tuning'));
    p.unknownKeys(group, ['initial', 'tuning'], 'group');
    if (group.initial !== undefined) initial = parseInitial(p, group.initial, authorized);
    if (group.tuning !== undefined) tuning = parseTuning(p, group.tuning);
  }
  if (p.any()) return err(p.fail());
  return ok({ cluster: spec, initial, authorized, tuning });
}

function parseInitial(p: Problems, raw: unknown, authorized: readonly NodeId[]): NodeId[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    p.add('group.initial', `must be a non-empty list of member ids, got ${show(raw)}`);
    return [];
  }
  const ids = raw.filter((x): x is number => isInt(x, 0, Number.MAX_SAFE_INTEGER) && authorized.includes(x));
  if (ids.length !== raw.length)
    p.add('group.initial', `must list ids of members of this file, got ${show(raw)}`);
  if (new Set(ids).size !== ids.length) p.add('group.initial', 'must not list a member twice');
  return ids;
}

function parseTuning(p: Problems, raw: unknown): Record<string, number> {
  if (!isRecord(raw)) {
    p.add('group.tuning', 'must be a mapping of timer names to milliseconds');
    return {};
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    // Unknown names are accepted: the membership layer adds timers of its own.
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(k)) p.add(`group.tuning.${k}`, 'must be a timer name');
    else if (!isInt(v, 0, 3_600_000))
      p.add(`group.tuning.${k}`, `must be an integer in 0..3600000, got ${show(v)}`);
    else out[k] = v;
  }
  return out;
}

export interface GenerateGroupOptions extends Omit<GenerateClusterOptions, 'protocol' | 'clients' | 'f'> {
  /** Members of view 0: ids 0..initial-1 (default n: everybody). */
  readonly initial?: number;
  /** Or view 0 itself, in rank order. */
  readonly ranks?: readonly NodeId[];
  readonly tuning?: Readonly<Record<string, number>>;
  /** Member i listens on ports[i] instead of basePort + i. */
  readonly ports?: readonly number[];
}

export interface GeneratedGroup extends GroupSpec {
  /** Every member's private keys, in id order. */
  readonly privates: readonly PrivateIdentity[];
}

/** Fresh keys for a group (`protocol: itua`, no clients), with its group section. */
export function generateGroup(o: GenerateGroupOptions): Result<GeneratedGroup, ClusterFileError> {
  const made = generateCluster({ ...o, protocol: GROUP_PROTOCOL, clients: 0 });
  if (!made.ok) return made;
  const spec = made.value.spec;
  const cluster: ClusterSpec = {
    ...spec,
    members: spec.members.map((m, i) => ({ ...m, port: o.ports?.[i] ?? m.port })),
  };
  const authorized = cluster.members.map((m) => m.id);
  const initial = o.ranks !== undefined ? [...o.ranks] : authorized.slice(0, o.initial ?? authorized.length);
  const g: GeneratedGroup = {
    cluster,
    initial,
    authorized,
    tuning: { ...o.tuning },
    privates: made.value.privates,
  };
  // Validated exactly as a loaded file would be, so a bad option fails here and not in every member.
  const text = formatGroupFile(g);
  if (!text.ok) return text;
  const parsed = parseGroupDocument(YAML.parse(text.value), 'generated group');
  return parsed.ok ? ok(g) : parsed;
}

/** Writes cluster.yaml (with the group section) and one key file per member into `dir`. */
export async function writeGroupDir(
  dir: string,
  g: GeneratedGroup,
  options: { readonly overwrite?: boolean } = {},
): Promise<Result<string, ClusterFileError>> {
  const wrote = await writeClusterDir(dir, { spec: g.cluster, privates: g.privates }, options);
  if (!wrote.ok) return wrote;
  const text = formatGroupFile(g);
  if (!text.ok) return text;
  const path = join(dir, CLUSTER_FILE_NAME);
  const rewrote = await writeText(path, text.value, 0o644, true);
  return rewrote.ok ? ok(path) : rewrote;
}

/** The cluster file's text, followed by the group section when it says anything. */
export function formatGroupFile(g: GroupSpec): Result<string, ClusterFileError> {
  const text = formatClusterFile(g.cluster);
  if (!text.ok) return text;
  const everybody =
    g.initial.length === g.authorized.length && g.initial.every((id, i) => id === g.authorized[i]);
  const tuned = Object.keys(g.tuning).length > 0;
  if (everybody && !tuned) return text;
  const group = { ...(everybody ? {} : { initial: g.initial }), ...(tuned ? { tuning: g.tuning } : {}) };
  return ok(`${text.value}${YAML.stringify({ group }, { flowCollectionPadding: false })}`);
}
