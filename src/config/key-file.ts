/**
 * Key files (`member-<id>.key`, `client-<id>.key`): one node's private keys, mode 0600, as
 * `bulwark keygen` writes them and a replica or client reads them.
 */
import YAML from 'yaml';
import {
  clientIdentities,
  type ClusterSpec,
  type PrivateIdentity,
  type PublicIdentity,
} from '../core/cluster.js';
import { NODE_ID_MAX } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { publicIdentityOf } from '../crypto/keys.js';
import {
  b64,
  isInt,
  isRecord,
  parseYaml,
  Problems,
  readText,
  show,
  writeText,
  type ClusterFileError,
} from './cluster-file.js';

const KEY_FILE_KEYS = ['id', 'signPrivateKey', 'dhPrivateKey'];

export async function loadKeyFile(path: string): Promise<Result<PrivateIdentity, ClusterFileError>> {
  const text = await readText(path);
  if (!text.ok) return text;
  return parseKeyFile(text.value, path);
}

/**
 * Writes the key file with mode 0600. The file is opened with that mode and chmod-ed before a
 * byte of key is written, so a pre-existing file with looser permissions is tightened first.
 */
export async function saveKeyFile(
  path: string,
  priv: PrivateIdentity,
  options: { readonly overwrite?: boolean } = {},
): Promise<Result<void, ClusterFileError>> {
  const document = {
    id: priv.id,
    signPrivateKey: b64(priv.signPrivateKey),
    dhPrivateKey: b64(priv.dhPrivateKey),
  };
  const checked = parseKeyDocument(document, 'key');
  if (!checked.ok) return checked;
  const header = `# Bulwark private keys of node ${priv.id}. Keep secret: mode 0600, never commit or share.\n`;
  return writeText(path, header + YAML.stringify(document), 0o600, options.overwrite ?? true);
}

export function parseKeyFile(text: string, where = 'key file'): Result<PrivateIdentity, ClusterFileError> {
  const raw = parseYaml(text, where);
  if (!raw.ok) return raw;
  return parseKeyDocument(raw.value, where);
}

function parseKeyDocument(raw: unknown, where: string): Result<PrivateIdentity, ClusterFileError> {
  const p = new Problems(where);
  if (!isRecord(raw))
    return err(p.fail('the document must be a mapping of id, signPrivateKey, dhPrivateKey'));
  p.unknownKeys(raw, KEY_FILE_KEYS, '');
  if (!isInt(raw.id, 0, NODE_ID_MAX)) p.add('id', `must be a node id, got ${show(raw.id)}`);
  const signPrivateKey = p.key(raw.signPrivateKey, 'signPrivateKey');
  const dhPrivateKey = p.key(raw.dhPrivateKey, 'dhPrivateKey');
  if (p.any()) return err(p.fail());
  return ok({ id: raw.id as number, signPrivateKey, dhPrivateKey });
}

/** Checks that a key file belongs to node `priv.id` of `spec`; returns that node's public identity. */
export function checkKeyMatchesCluster(
  spec: ClusterSpec,
  priv: PrivateIdentity,
): Result<PublicIdentity, ClusterFileError> {
  const p = new Problems('key file');
  const listed = [...spec.members, ...clientIdentities(spec)].find((x) => x.id === priv.id);
  if (listed === undefined) return err(p.fail(`node ${priv.id} is not in cluster '${spec.name}'`));
  const own = publicIdentityOf(priv);
  if (
    b64(own.signPublicKey) !== b64(listed.signPublicKey) ||
    b64(own.dhPublicKey) !== b64(listed.dhPublicKey)
  ) {
    return err(
      p.fail(`the private keys of node ${priv.id} do not match its public keys in cluster '${spec.name}'`),
    );
  }
  return ok(listed);
}
