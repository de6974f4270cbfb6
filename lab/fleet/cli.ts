/** Standalone entry: `node dist/lab/fleet/cli.js up|down|status|cut|restore ...` (same as `orchestrate lab`). */
import { Command } from 'commander';
import { registerLabCommand } from './command.js';

const program = new Command('orchestrate');
const lab = registerLabCommand(program);
lab.name('lab');

program.parseAsync(['node', 'orchestrate', 'lab', ...process.argv.slice(2)]).catch((e: unknown) => {
  process.stderr.write(`orchestrate lab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
