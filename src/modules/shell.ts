/** shell: run a command line through a shell (`sh -c`, or `executable -c`). */
import { shellQuote } from '../connection/connection.js';
import type { GateState } from './cmdutil.js';
import { checkGate, gatePlan, runCommand } from './cmdutil.js';
import { stdinOf } from './command.js';
import type { ModuleDef } from './types.js';
import { legacyModule } from './legacy.js';

export type ShellArgs = {
  cmd: string;
  chdir?: string;
  creates?: string;
  removes?: string;
  executable?: string;
  stdin?: string;
  stdin_add_newline: boolean;
};

export const shell = legacyModule({
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
  check: (ctx, args) => checkGate(ctx, args, args.chdir),
  plan: (st, args) => gatePlan(st, args, args.cmd, 'command'),
  async apply(ctx, args) {
    const script = args.executable ? `${shellQuote(args.executable)} -c ${shellQuote(args.cmd)}` : args.cmd;
    const stdin = stdinOf(args);
    return runCommand(ctx, script, args.cmd, { ...(args.chdir ? { cwd: args.chdir } : {}), ...(stdin !== undefined ? { stdin } : {}) });
  },
} satisfies ModuleDef<ShellArgs, GateState>);
