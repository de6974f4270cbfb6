/** raw: send the command line as-is to the host's shell. */
import { shellQuote } from '../connection/connection.js';
import { runCommand } from './cmdutil.js';
import type { ModuleDef } from './types.js';
import { legacyModule } from './legacy.js';

export type RawArgs = { cmd: string; executable?: string };

export const raw = legacyModule({
  name: 'raw',
  target: 'remote',
  freeForm: 'cmd',
  checkMode: 'none',
  args: { cmd: { type: 'str', required: true }, executable: { type: 'path' } },
  check: async () => ({}),
  plan: (_s, args) => ({ changed: true, summary: `run: ${args.cmd}` }),
  apply: (ctx, args) => runCommand(ctx, args.executable ? `${shellQuote(args.executable)} -c ${shellQuote(args.cmd)}` : args.cmd, args.cmd, {}),
} satisfies ModuleDef<RawArgs, Record<string, never>>);
