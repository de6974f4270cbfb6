/** raw: send the command line as-is to the host's shell. */
import { shellQuote } from '../connection/connection.js';
import type { CommandRun } from './lib/cmdutil.js';
import { runCommand } from './lib/cmdutil.js';
import { defineModule } from './types.js';

export const raw = defineModule({
  name: 'raw',
  target: 'remote',
  freeForm: 'cmd',
  checkMode: 'none',
  args: { cmd: { type: 'str', required: true }, executable: { type: 'path' } },
  check: async () => ({}),
  plan(_s, args) {
    const run: CommandRun = { script: args.executable ? `${shellQuote(args.executable)} -c ${shellQuote(args.cmd)}` : args.cmd, cmd: args.cmd, opts: {} };
    return { change: run, summary: `run: ${args.cmd}` };
  },
  apply: (ctx, run) => runCommand(ctx, run),
});
