/**
 * The cluster file (`cluster.yaml`: members, clients, public keys), as `bulwark keygen` writes
 * it (cluster-gen.ts) and `bulwark replica --config` reads it; key files are in key-file.ts. It
 * states the protocol and f, or a QoS to plan them from (cluster-qos.ts). Files are operator input
 * and may be wrong in any way, so loading validates everything and returns a Result whose error lists every problem
 * found, each naming the field it is about.
 */
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import YAML from 'yaml';
import type { ClusterSpec, MemberSpec, PublicIdentity } from '../core/cluster.js';
import { CLIENT_ID_MIN, NODE_ID_MAX } from '../core/ids.js';
import { limits } from '../core/limits.js';
import { err, ok, type Result } from '../core/result.js';
import { parseTuning, protocolFromQos } from './cluster-qos.js';
import { qosToDocument, type Qos } from './qos.js';

export const CLUSTER_FILE_VERSION = 1;
export const CLUSTER_FILE_NAME = 'cluster.yaml';
/** Clients one cluster file may list; far above any real deployment, low enough to bound a load. */
export const CLUSTER_CLIENTS_MAX = 10_000;
const KEY_BYTES = 32;
const HOST_CHARS_MAX = 253;

export interface ClusterFileError {
  /** io: the file could not be read or written; syntax: not YAML; invalid: YAML of the wrong shape. */
  readonly code: 'io' | 'syntax' | 'invalid';
  /** All problems, joined; each names the file and field it is about. */
  readonly message: string;
  readonly problems: readonly string[];
}

// Cluster file.
const TOP_KEYS = [
  'version',
  'name',
  'crypto',
  'encryption',
  'protocol',
  'f',
  'qos',
  'tuning',
  'members',
  'clients',
  'admin',
];

/** A cluster as a file describes it: with the QoS its protocol was planned from, when it states one. */
export type ClusterFileSpec = ClusterSpec & { readonly qos?: Qos };
const MEMBER_KEYS = ['id', 'host', 'port', 'signPublicKey', 'dhPublicKey'];
const CLIENT_KEYS = ['id', 'signPublicKey', 'dhPublicKey'];

export async function loadClusterFile(path: string): Promise<Result<ClusterFileSpec, ClusterFileError>> {
  const text = await readText(path);
  if (!text.ok) return text;
  return parseClusterFile(text.value, path);
}

/** Validates `spec` first and writes nothing if it is invalid. */
export async function saveClusterFile(
  path: string,
  spec: ClusterFileSpec,
): Promise<Result<void, ClusterFileError>> {
  const text = formatClusterFile(spec);
  if (!text.ok) return text;
  return writeText(path, text.value, 0o644, true);
}

export function parseClusterFile(
  text: string,
  where = 'cluster file',
): Result<ClusterFileSpec, ClusterFileError> {
  const raw = parseYaml(text, where);
  if (!raw.ok) return raw;
  return parseClusterDocument(raw.value, where);
}

export function formatClusterFile(spec: ClusterFileSpec): Result<string, ClusterFileError> {
  const document = clusterSpecToDocument(spec);
  const checked = parseClusterDocument(document, 'cluster spec');
  if (!checked.ok) return checked;
  // With a QoS the file holds no protocol or f: they must be what the planner gives back.
  if (checked.value.protocol !== spec.protocol || checked.value.f !== spec.f) {
    const planned = `${checked.value.protocol}, f = ${checked.value.f}`;
    return err(
      new Problems('cluster spec').fail(`qos plans ${planned}, not ${spec.protocol}, f = ${spec.f}`),
    );
  }
  const doc = new YAML.Document(document);
  doc.commentBefore = ' Bulwark cluster file: public keys only, safe to share. Keys are base64.';
  // One line per member or client keeps a large cluster readable and diffable.
  for (const list of ['members', 'clients']) {
    const seq = doc.get(list);
    if (YAML.isSeq(seq)) for (const item of seq.items) if (YAML.isMap(item)) item.flow = true;
  }
  return ok(doc.toString({ lineWidth: 0 }));
}

/** The plain, YAML-ready form of a spec: keys as standard base64. */
export function clusterSpecToDocument(spec: ClusterFileSpec): Record<string, unknown> {
  const tuning =
    spec.tuning !== undefined && Object.keys(spec.tuning).length > 0 ? { tuning: spec.tuning } : {};
  return {
    version: CLUSTER_FILE_VERSION,
    name: spec.name,
    crypto: spec.crypto,
    encryption: spec.encryption,
    ...(spec.qos === undefined ? { protocol: spec.protocol, f: spec.f } : { qos: qosToDocument(spec.qos) }),
    ...tuning,
    members: spec.members.map((m) => ({ id: m.id, host: m.host, port: m.port, ...publicKeysB64(m) })),
    clients: spec.clients.map((c) => ({ id: c.id, ...publicKeysB64(c) })),
    ...(spec.admin === undefined ? {} : { admin: { id: spec.admin.id, ...publicKeysB64(spec.admin) } }),
  };
}

/** Checks the parsed YAML of a cluster file field by field and builds the spec. */
export function parseClusterDocument(
  raw: unknown,
  where = 'cluster file',
): Result<ClusterFileSpec, ClusterFileError> {
  const p = new Problems(where);
  if (!isRecord(raw)) return err(p.fail('the document must be a mapping of version, name, crypto, ...'));
  p.unknownKeys(raw, TOP_KEYS, '');
  if (raw.version !== CLUSTER_FILE_VERSION) {
    p.add('version', `must be ${CLUSTER_FILE_VERSION}, got ${show(raw.version)}`);
  }
  const name = p.label(raw.name, 'name', /^[^\p{Cc}]+$/u, 'a non-empty name without control characters');
  const crypto = raw.crypto === 'real' || raw.crypto === 'none' ? raw.crypto : undefined;
  if (crypto === undefined) p.add('crypto', `must be 'real' or 'none', got ${show(raw.crypto)}`);
  if (typeof raw.encryption !== 'boolean')
    p.add('encryption', `must be true or false, got ${show(raw.encryption)}`);
  const members = p.list(raw.members, 'members', 1, limits.membersMax).map((m, i) => parseMember(p, m, i));
  const { protocol, f, qos, tuning } = parseProtocol(p, raw, members.length);
  const listed = p.list(raw.clients, 'clients', 0, CLUSTER_CLIENTS_MAX).map((c, i) => parseClient(p, c, i));
  // The administrator (smr/switching) is a client of its own, apart from the workload's.
  const admin = raw.admin === undefined ? undefined : parseClient(p, raw.admin, -1);
  const clients = admin === undefined ? listed : [...listed, admin];
  checkIds(p, members, clients);
  checkUnique(p, [...members, ...clients], 'signPublicKey', (x) => b64(x.signPublicKey));
  checkUnique(p, [...members, ...clients], 'dhPublicKey', (x) => b64(x.dhPublicKey));
  checkUnique(p, members, 'host:port', (m) => `${m.host}:${m.port}`);

  if (p.any() || name === undefined || protocol === undefined || crypto === undefined) return err(p.fail());
  return ok({
    name,
    crypto,
    encryption: raw.encryption as boolean,
    protocol,
    f,
    ...(Object.keys(tuning).length > 0 ? { tuning } : {}),
    ...(qos === undefined ? {} : { qos }),
    members: [...members].sort((a, b) => a.id - b.id),
    clients: [...listed].sort((a, b) => a.id - b.id),
    ...(admin === undefined ? {} : { admin }),
  });
}

/** The protocol and f as stated, or as planned from `qos:` on the members; the tuning over the plan's. */
function parseProtocol(
  p: Problems,
  raw: Record<string, unknown>,
  members: number,
): { protocol?: string; f: number; qos?: Qos; tuning: Record<string, number> } {
  const explicit = parseTuning(p, raw.tuning) ?? {};
  if (raw.qos !== undefined) return protocolFromQos(p, raw, members, explicit);
  const protocol = p.label(
    raw.protocol,
    'protocol',
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'a non-empty label (letters, digits, . _ -)',
  );
  if (!isInt(raw.f, 0, limits.membersMax)) p.add('f', `must be a non-negative integer, got ${show(raw.f)}`);
  return { protocol, f: raw.f as number, tuning: explicit };
}

function parseMember(p: Problems, raw: unknown, i: number): MemberSpec {
  const at = `members[${i}]`;
  if (!isRecord(raw)) {
    p.add(at, 'must be a mapping of id, host, port, signPublicKey, dhPublicKey');
    return BAD_MEMBER;
  }
  p.unknownKeys(raw, MEMBER_KEYS, at);
  if (!isInt(raw.id, 0, limits.membersMax - 1)) {
    p.add(`${at}.id`, `must be an integer member id in 0..n-1, got ${show(raw.id)}`);
  }
  const hostOk =
    typeof raw.host === 'string' && /^[^\s]+$/.test(raw.host) && raw.host.length <= HOST_CHARS_MAX;
  if (!hostOk) p.add(`${at}.host`, `must be a host name or address, got ${show(raw.host)}`);
  if (!isInt(raw.port, 1, 65_535))
    p.add(`${at}.port`, `must be an integer in 1..65535, got ${show(raw.port)}`);
  return {
    id: typeof raw.id === 'number' ? raw.id : -1,
    host: String(raw.host),
    port: Number(raw.port),
    signPublicKey: p.key(raw.signPublicKey, `${at}.signPublicKey`),
    dhPublicKey: p.key(raw.dhPublicKey, `${at}.dhPublicKey`),
  };
}

function parseClient(p: Problems, raw: unknown, i: number): PublicIdentity {
  const at = i < 0 ? 'admin' : `clients[${i}]`;
  if (!isRecord(raw)) {
    p.add(at, 'must be a mapping of id, signPublicKey, dhPublicKey');
    return BAD_MEMBER;
  }
  p.unknownKeys(raw, CLIENT_KEYS, at);
  if (!isInt(raw.id, CLIENT_ID_MIN, NODE_ID_MAX)) {
    p.add(`${at}.id`, `must be an integer client id >= ${CLIENT_ID_MIN}, got ${show(raw.id)}`);
  }
  return {
    id: typeof raw.id === 'number' ? raw.id : -1,
    signPublicKey: p.key(raw.signPublicKey, `${at}.signPublicKey`),
    dhPublicKey: p.key(raw.dhPublicKey, `${at}.dhPublicKey`),
  };
}

/** Member ids must be exactly 0..n-1, and no id may name two endpoints. */
function checkIds(p: Problems, members: readonly MemberSpec[], clients: readonly PublicIdentity[]): void {
  checkUnique(p, [...members, ...clients], 'id', (x) => (x.id >= 0 ? String(x.id) : undefined));
  const n = members.length;
  const ids = new Set(members.map((m) => m.id));
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !ids.has(i));
  if (missing.length > 0 && members.every((m) => m.id >= 0)) {
    const got = members.map((m) => m.id).join(', ');
    p.add(
      'members',
      `ids must be exactly 0..${n - 1}, one per member; got ${got} (missing ${missing.join(', ')})`,
    );
  }
}

function checkUnique<T>(
  p: Problems,
  items: readonly T[],
  field: string,
  keyOf: (x: T) => string | undefined,
): void {
  const seen = new Set<string>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined || key === '') continue;
    if (seen.has(key)) p.add(field, `duplicate ${field} ${key}`);
    seen.add(key);
  }
}

// What a malformed entry parses to: its problems are recorded, and id -1 keeps it out of the id checks.
const BAD_MEMBER: MemberSpec = {
  id: -1,
  host: '',
  port: 0,
  signPublicKey: new Uint8Array(),
  dhPublicKey: new Uint8Array(),
};

// Helpers.
/** Collects every problem of one document, so an operator fixes a file in one pass. */
export class Problems {
  private readonly found: string[] = [];
  constructor(private readonly where: string) {}

  add(field: string, message: string): void {
    this.found.push(field === '' ? message : `${field}: ${message}`);
  }

  any(): boolean {
    return this.found.length > 0;
  }

  fail(extra?: string): ClusterFileError {
    if (extra !== undefined) this.found.push(extra);
    const problems = this.found.map((m) => `${this.where}: ${m}`);
    return { code: 'invalid', message: problems.join('\n'), problems };
  }

  unknownKeys(raw: Record<string, unknown>, allowed: readonly string[], at: string): void {
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key))
        this.add(at === '' ? key : `${at}.${key}`, `unknown key (expected one of ${allowed.join(', ')})`);
    }
  }

  label(value: unknown, field: string, pattern: RegExp, what: string): string | undefined {
    const fits =
      typeof value === 'string' && Buffer.byteLength(value) <= limits.labelBytesMax && pattern.test(value);
    if (fits) return value;
    this.add(field, `must be ${what} of at most ${limits.labelBytesMax} bytes, got ${show(value)}`);
    return undefined;
  }

  list(value: unknown, field: string, min: number, max: number): unknown[] {
    if (value === undefined && min === 0) return [];
    if (!Array.isArray(value)) {
      this.add(field, 'must be a list');
      return [];
    }
    if (value.length < min || value.length > max)
      this.add(field, `must list ${min}..${max} entries, got ${value.length}`);
    return value.length > max ? [] : value;
  }

  /** A standard-base64 string that decodes to exactly 32 bytes; Buffer.from alone is too lenient. */
  key(value: unknown, field: string): Uint8Array {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
      this.add(field, `must be a standard base64 string, got ${show(value)}`);
      return new Uint8Array();
    }
    const bytes = Buffer.from(value, 'base64');
    if (bytes.toString('base64') !== value) this.add(field, 'is not canonical base64');
    else if (bytes.length !== KEY_BYTES)
      this.add(field, `must decode to exactly ${KEY_BYTES} bytes, got ${bytes.length}`);
    return new Uint8Array(bytes);
  }
}

export function parseYaml(text: string, where: string): Result<unknown, ClusterFileError> {
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  let messages = doc.errors.map((e) => e.message);
  if (messages.length === 0) {
    try {
      // Aliases are capped so a small hostile file cannot expand into a huge one.
      return ok(doc.toJS({ maxAliasCount: 64 }));
    } catch (e) {
      messages = [(e as Error).message];
    }
  }
  const problems = messages.map((m) => `${where}: not valid YAML: ${m.trim()}`);
  return err({ code: 'syntax', message: problems.join('\n'), problems });
}

export async function readText(path: string): Promise<Result<string, ClusterFileError>> {
  try {
    return ok(await readFile(path, 'utf8'));
  } catch (e) {
    return err(ioError(path, e));
  }
}

export async function writeText(
  path: string,
  text: string,
  mode: number,
  overwrite: boolean,
): Promise<Result<void, ClusterFileError>> {
  // O_NOFOLLOW: a planted symlink must not redirect a key file to a place of the attacker's choosing.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0);
  let handle;
  try {
    handle = await open(path, overwrite ? flags : flags | constants.O_EXCL, mode);
    await handle.chmod(mode);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    return ok(undefined);
  } catch (e) {
    return err(ioError(path, e));
  } finally {
    await handle?.close();
  }
}

export function ioError(path: string, e: unknown): ClusterFileError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === 'EEXIST' ? 'already exists (pass overwrite to replace it)' : (e as Error).message;
  const message = `${path}: ${reason}`;
  return { code: 'io', message, problems: [message] };
}

export function publicKeysB64(x: PublicIdentity): { signPublicKey: string; dhPublicKey: string } {
  return { signPublicKey: b64(x.signPublicKey), dhPublicKey: b64(x.dhPublicKey) };
}

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function isInt(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

export function show(x: unknown): string {
  if (x === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof x === 'string' ? `'${x}'` : (JSON.stringify(x) ?? String(x));
  } catch {
    text = 'a recursive value';
  }
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
