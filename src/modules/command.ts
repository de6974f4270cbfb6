/** command: run a program without a shell (argv is quoted, so no pipes, globs or variables). */
import { shellQuote } from '../connection/connection.js';
import type { GateState } from './cmdutil.js';
import { checkGate, gatePlan, runCommand } from './cmdutil.js';
import { splitArgv } from './kv.js';
import type { ModuleDef } from './types.js';
import { legacyModule } from './legacy.js';

export type CommandArgs = {
  cmd?: string;
  argv?: string[];
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline: boolean;
  strip_empty_ends: boolean;
};

export function commandArgv(args: CommandArgs): string[] {
  return args.argv ?? splitArgv(args.cmd ?? '');
}

export function stdinOf(args: { stdin?: string; stdin_add_newline: boolean }): string | undefined {
  if (args.stdin === undefined) return undefined;
  return args.stdin_add_newline && !args.stdin.endsWith('\n') ? `${args.stdin}\n` : args.stdin;
}

export const command = legacyModule({
  name: 'command',
  target: 'remote',
  freeForm: 'cmd',
  checkMode: 'none',
  args: {
    cmd: { type: 'str' },
    argv: { type: 'list', elements: 'str' },
    chdir: { type: 'path' },
    creates: { type: 'path' },
    removes: { type: 'path' },
    stdin: { type: 'str' },
    stdin_add_newline: { type: 'bool', default: true },
    strip_empty_ends: { type: 'bool', default: true },
  },
  requiredOneOf: [['cmd', 'argv']],
  mutuallyExclusive: [['cmd', 'argv']],
  validate(args) {
    try {
      return commandArgv(args).length === 0 ? ['no command given'] : [];
    } catch (e) {
      return [`cmd: ${(e as Error).message}`];
    }
  },
  check: (ctx, args) => checkGate(ctx, args, args.chdir),
  plan: (st, args) => gatePlan(st, args, commandArgv(args).join(' '), 'command'),
  async apply(ctx, args) {
    const argv = commandArgv(args);
    const stdin = stdinOf(args);
    return runCommand(ctx, argv.map(shellQuote).join(' '), argv, { ...(args.chdir ? { cwd: args.chdir } : {}), ...(stdin !== undefined ? { stdin } : {}) });
  },
} satisfies ModuleDef<CommandArgs, GateState>);
