/** shell: run a command line through a shell (`sh -c`, or `executable -c`). */
import { shellQuote } from '../connection/connection.js';
import type { GateState } from './lib/cmdutil.js';
import { checkGate, gatePlan, runCommand, runOptions, stdinOf } from './lib/cmdutil.js';
import { defineModule } from './types.js';

export const shell = defineModule({
  name: 'shell',
  target: 'remote',
  freeForm: 'cmd',
  checkMode: 'none',
  args: {
    cmd: { type: 'str', required: true },
    chdir: { type: 'path' },
    creates: { type: 'path' },
    removes: { type: 'path' },
    executable: { type: 'path' },
    stdin: { type: 'str' },
    stdin_add_newline: { type: 'bool', default: true },
  },
  check: (ctx, args): Promise<GateState> => checkGate(ctx, args, args.chdir),
  plan(st, args) {
    const script = args.executable ? `${shellQuote(args.executable)} -c ${shellQuote(args.cmd)}` : args.cmd;
    return gatePlan(st, args, args.cmd, { script, cmd: args.cmd, opts: runOptions(args.chdir, stdinOf(args)) });
  },
  apply: (ctx, run) => runCommand(ctx, run),
});
