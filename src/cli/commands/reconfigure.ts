/** `bulwark reconfigure`: switch a running cluster to another protocol or other members. */
import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import { loadClusterFile } from '../../config/cluster-file.js';
import { ADMIN_KEY_FILE } from '../../config/cluster-gen.js';
import { loadKeyFile } from '../../config/key-file.js';
import { protocols } from '../../protocols/registry.js';
import { reconfigure } from '../../runtime/reconfigure.js';
import { printJson } from '../output.js';
import { fail, int, oneOf, tuningList } from '../parse.js';

interface ReconfigureFlags {
  protocol: string;
  members?: string;
  at: number;
  cluster: string;
  adminKey?: string;
  epoch?: number;
  tuning?: Record<string, number>;
  context: 'deployment' | 'bench';
  json: boolean;
}

export function registerReconfigure(program: Command): void {
  program
    .command('reconfigure')
    .description(
      'switch a running cluster to another protocol or other members (an admin-signed, ordered command)',
    )
    .requiredOption('--protocol <name>', `the next protocol: ${[...protocols.keys()].join(', ')}`)
    .option('--members <ids>', 'the next members, e.g. 0,1,2,3 (default: every host of the cluster file)')
    .option('--at <seq>', 'switch after this sequence number at the earliest (default: at once)', int(0), 0)
    .requiredOption('--cluster <dir|file>', 'the cluster directory (or its cluster.yaml)')
    .option(
      '--admin-key <file>',
      `the administrator's key file (default: ${ADMIN_KEY_FILE} beside the cluster file)`,
    )
    .option('--epoch <n>', 'the epoch to start (default: the next one, asked of the cluster)', int(1))
    .option('--tuning <pairs>', "the next protocol's tuning, e.g. batchMax=64", tuningList)
    .option(
      '--context <context>',
      "'bench' accepts crypto none",
      oneOf(['deployment', 'bench'] as const),
      'deployment',
    )
    .option('--json', 'machine-readable output', false)
    .action(runReconfigure);
}

async function runReconfigure(flags: ReconfigureFlags): Promise<void> {
  const file = flags.cluster.endsWith('.yaml') ? flags.cluster : join(flags.cluster, 'cluster.yaml');
  const spec = await loadClusterFile(file);
  if (!spec.ok) fail(spec.error.message, 2);
  const key = await loadKeyFile(flags.adminKey ?? join(dirname(file), ADMIN_KEY_FILE));
  if (!key.ok) fail(key.error.message, 2);
  const members = flags.members?.split(',').map((x) => Number(x.trim()));
  if (members?.some((m) => !Number.isInteger(m) || m < 0)) fail(`--members: expected ids like 0,1,2,3`, 2);
  let result;
  try {
    result = await reconfigure({
      spec: spec.value,
      adminKey: key.value,
      protocol: flags.protocol,
      members,
      atSeq: flags.at,
      epoch: flags.epoch,
      tuning: flags.tuning,
      context: flags.context,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  if (flags.json) printJson(result);
  else console.log(result.verdict);
  process.exitCode = result.accepted ? 0 : 1;
}
