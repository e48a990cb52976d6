/** `bulwark keygen`: a cluster file and one private key file per member and client. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { ADMIN_KEY_FILE, generateCluster, writeClusterDir } from '../../config/cluster-gen.js';
import { printJson, table } from '../output.js';
import { fail, int, oneOf } from '../parse.js';
import { planClusterShape, qosOptions, type ClusterShape } from './plan.js';

interface KeygenFlags {
  n?: number;
  out: string;
  clients: number;
  name: string;
  host: string;
  basePort: number;
  protocol?: string;
  f?: number;
  crypto: 'real' | 'none';
  encryption: boolean;
  force: boolean;
  json: boolean;
}

export function registerKeygen(program: Command): void {
  qosOptions(
    program
      .command('keygen')
      .description(
        'write a cluster file (ids, hosts, ports, public keys) and private key files (mode 0600); with QoS options (--byzantine, --crash, ...) the protocol, n and f are planned, and --n is the hosts available',
      ),
  )
    .option('--n <count>', 'members (required unless QoS options are given)', int(1, 256))
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--clients <count>', 'client identities', int(0, 10_000), 8)
    .option('--name <name>', 'cluster name (bound into every handshake)', 'bulwark-local')
    .option('--host <host>', 'host of every member', '127.0.0.1')
    .option('--base-port <port>', 'member i listens on base-port + i', int(1, 65535), 7100)
    .option('--protocol <name>', 'ordering protocol (default pbft)')
    .option('--f <count>', 'faults to tolerate (default: floor((n-1)/3))', int(0, 85))
    .option(
      '--crypto <mode>',
      'real, or none (accepted only by sim and bench)',
      oneOf(['real', 'none'] as const),
      'real',
    )
    .option('--encryption', 'encrypt frames on the wire (authentication is always on)', false)
    .option('--force', 'overwrite existing files', false)
    .option('--json', 'machine-readable output', false)
    .action(async (flags: KeygenFlags) => {
      const shape = clusterShape(flags);
      const made = generateCluster({
        ...shape,
        clients: flags.clients,
        name: flags.name,
        host: flags.host,
        basePort: flags.basePort,
        crypto: flags.crypto,
        encryption: flags.encryption,
      });
      if (!made.ok) fail(made.error.message, 2);
      const wrote = await writeClusterDir(flags.out, made.value, { overwrite: flags.force });
      if (!wrote.ok) fail(wrote.error.message);
      const spec = made.value.spec;
      if (flags.json)
        return printJson({
          dir: flags.out,
          files: wrote.value,
          members: spec.members.length,
          clients: spec.clients.length,
        });
      console.log(
        `wrote ${join(flags.out, 'cluster.yaml')} and ${wrote.value.length - 1} key files (mode 0600)\n`,
      );
      console.log(
        table(
          ['member', 'listens on'],
          spec.members.map((m) => [m.id, `${m.host}:${m.port}`]),
        ),
      );
      console.log(
        `\nclients: ${spec.clients.map((c) => c.id).join(', ') || 'none'}; protocol ${spec.protocol}, f=${spec.f}, crypto ${spec.crypto}`,
      );
      // The administrator's key signs `bulwark reconfigure` commands: keep it apart from the replicas.
      if (spec.admin !== undefined)
        console.log(`administrator: ${spec.admin.id} (${join(flags.out, ADMIN_KEY_FILE)})`);
    });
}

/** n, protocol and f as given, or planned from the QoS options on --n hosts. */
function clusterShape(flags: KeygenFlags): ClusterShape {
  const planned = planClusterShape(flags, flags.n, flags.json);
  if (planned !== undefined) return planned;
  if (flags.n === undefined) fail('keygen needs --n, or QoS options to plan it from', 2);
  return { n: flags.n, protocol: flags.protocol ?? 'pbft', f: flags.f };
}
