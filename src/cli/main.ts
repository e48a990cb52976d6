#!/usr/bin/env node
/** The `bulwark` command line. */
import { Command } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';
import { registerExperiment } from './commands/experiment.js';
import { registerFuzz } from './commands/fuzz.js';
import { registerGroupMember } from './commands/group-member.js';
import { registerKeygen } from './commands/keygen.js';
import { registerPlan } from './commands/plan.js';
import { registerReconfigure } from './commands/reconfigure.js';
import { registerReplica } from './commands/replica.js';
import { registerSim } from './commands/sim.js';
import { registerUp } from './commands/up.js';

const program = new Command()
  .name('bulwark')
  .description(
    'Intrusion-tolerant replication: services that keep answering correctly while some replicas are crashed, slow or run by an attacker.',
  )
  .version('0.1.0')
  .showHelpAfterError();

registerKeygen(program);
registerReplica(program);
registerGroupMember(program);
registerSim(program);
registerBench(program);
registerFuzz(program);
registerDemo(program);
registerUp(program);
registerPlan(program);
registerReconfigure(program);
registerExperiment(program);

await program.parseAsync(process.argv);
