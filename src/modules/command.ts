/** command: run a program without a shell (argv is quoted, so no pipes, globs or variables). */
import { shellQuote } from '../connection/connection.js';
import type { GateState } from './lib/cmdutil.js';
import { checkGate, gatePlan, runCommand, runOptions, stdinOf } from './lib/cmdutil.js';
import { splitArgv } from './lib/kv.js';
import type { ArgsOf } from './types.js';
import { defineModule } from './types.js';

const ARGS = {
  cmd: { type: 'str' },
  argv: { type: 'list', elements: 'str' },
  chdir: { type: 'path' },
  creates: { type: 'path' },
  removes: { type: 'path' },
  stdin: { type: 'str' },
  stdin_add_newline: { type: 'bool', default: true },
  strip_empty_ends: { type: 'bool', default: true },
} as const;

export type CommandArgs = ArgsOf<typeof ARGS>;

export function commandArgv(args: CommandArgs): string[] {
  return args.argv ?? splitArgv(args.cmd ?? '');
}

export const command = defineModule({
  name: 'command',
  target: 'remote',
  freeForm: 'cmd',
  checkMode: 'none',
  args: ARGS,
  requiredOneOf: [['cmd', 'argv']],
  mutuallyExclusive: [['cmd', 'argv']],
  validate(args) {
    try {
      return commandArgv(args).length === 0 ? ['no command given'] : [];
    } catch (e) {
      return [`cmd: ${(e as Error).message}`];
    }
  },
  check: (ctx, args): Promise<GateState> => checkGate(ctx, args, args.chdir),
  plan(st, args) {
    const argv = commandArgv(args);
    return gatePlan(st, args, argv.join(' '), { script: argv.map(shellQuote).join(' '), cmd: argv, opts: runOptions(args.chdir, stdinOf(args)) });
  },
  apply: (ctx, run) => runCommand(ctx, run),
});
