/**
 * wait_for: wait on the HOST for a TCP port (open / closed) or a path (present / absent, with
 * search_regex). Ports are probed with one shell snippet per attempt (`nc -z` when present, else
 * LISTEN sockets in /proc/net/tcp{,6}); paths over connection.stat/readFile. In --check one probe
 * is made and nothing is waited for.
 */
import { shellQuote } from '../connection/connection.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  host: { type: 'str', default: '127.0.0.1' },
  port: { type: 'int' },
  path: { type: 'path' },
  state: { type: 'str', default: 'started', choices: ['started', 'stopped', 'present', 'absent'] },
  search_regex: { type: 'str' },
  timeout: { type: 'int', default: 300 },
  delay: { type: 'int', default: 0 },
  sleep: { type: 'int', default: 1 },
  connect_timeout: { type: 'int', default: 5 },
  msg: { type: 'str' },
} as const;

export type WaitForArgs = ArgsOf<typeof ARGS>;

export type WaitState = { satisfied: boolean; elapsed: number; match?: string[] };

export function portProbe(host: string, port: number, connectTimeout: number): string {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return [
    `if command -v nc >/dev/null 2>&1; then`,
    `  if nc -z -w ${connectTimeout} ${shellQuote(host)} ${port} >/dev/null 2>&1; then echo open; else echo closed; fi`,
    `elif grep -qE '^ *[0-9]+: [0-9A-F]+:${hex} [0-9A-F]+:[0-9A-F]+ 0A ' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then echo open`,
    `else echo closed; fi`,
  ].join('\n');
}

const wantsPresence = (state: WaitForArgs['state']): boolean => state === 'started' || state === 'present';

async function probe(ctx: ModuleContext, args: WaitForArgs): Promise<{ ok: boolean; match?: string[] }> {
  const present = wantsPresence(args.state);
  if (args.port !== undefined) {
    const r = await ctx.connection.exec(portProbe(args.host, args.port, args.connect_timeout));
    return { ok: (r.stdout.trim() === 'open') === present };
  }
  const info = await ctx.connection.stat(args.path!);
  if (!present || !info.exists || args.search_regex === undefined) return { ok: info.exists === present };
  const text = (await ctx.connection.readFile(args.path!).catch(() => Buffer.alloc(0))).toString('utf8');
  const m = new RegExp(args.search_regex, 'm').exec(text);
  return m ? { ok: true, match: [...m].slice(1) } : { ok: false };
}

/** The context's clock's sleep; an abort (Ctrl-C) fails the wait. */
async function sleep(ctx: ModuleContext, ms: number): Promise<void> {
  try {
    await ctx.clock.sleep(ms, ctx.signal);
  } catch {
    throw new ModuleFailure('wait_for: aborted');
  }
}

function target(args: WaitForArgs): string {
  return args.port !== undefined ? `port ${args.host}:${args.port}` : `path ${args.path}`;
}

export const wait_for = defineModule({
  name: 'wait_for',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  requiredOneOf: [['port', 'path']],
  mutuallyExclusive: [['port', 'path']],
  validate: (args) => (args.search_regex !== undefined && args.port !== undefined ? ['search_regex is only supported with path'] : []),
  async check(ctx, args): Promise<WaitState> {
    const start = ctx.clock.now();
    if (ctx.checkMode) {
      const r = await probe(ctx, args);
      return { satisfied: r.ok, elapsed: 0, ...(r.match ? { match: r.match } : {}) };
    }
    if (args.delay > 0) await sleep(ctx, args.delay * 1000);
    const deadline = start + args.timeout * 1000;
    for (;;) {
      const r = await probe(ctx, args);
      const elapsed = Math.round((ctx.clock.now() - start) / 1000);
      if (r.ok) return { satisfied: true, elapsed, ...(r.match ? { match: r.match } : {}) };
      if (ctx.clock.now() + args.sleep * 1000 > deadline) {
        throw new ModuleFailure(args.msg ?? `wait_for(${target(args)}): timeout after ${args.timeout}s waiting for ${target(args)} to be ${args.state}`, { elapsed });
      }
      await sleep(ctx, args.sleep * 1000);
    }
  },
  plan(s, args, ctx) {
    const data = { elapsed: s.elapsed, state: args.state, ...(args.port !== undefined ? { port: args.port } : { path: args.path }), ...(s.match ? { match_groups: s.match } : {}) };
    const reason = s.satisfied ? `${target(args)} is ${args.state}` : `${target(args)} is not ${args.state} yet (check mode: not waiting)`;
    return { ok: true, reason: ctx.checkMode || s.elapsed === 0 ? reason : `${reason} after ${s.elapsed}s`, data };
  },
});
