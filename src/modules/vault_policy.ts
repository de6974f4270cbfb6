/** vault_policy: `vault policy write NAME FILE` (rules inline or `src` file), compared first. */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, fail, openVault, readOptional } from '../vault/module-kit.js';
import type { VaultArgs } from '../vault/session.js';

export type VaultPolicyArgs = VaultArgs & { name: string; rules?: string; src?: string; state: 'present' | 'absent' };
interface State {
  current: string | undefined;
  desired: string;
}

const label = (a: VaultPolicyArgs): string => `vault_policy(${a.name})`;
const norm = (s: string): string => s.replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n').trim();

export const vault_policy = {
  name: 'vault_policy',
  target: 'local',
  checkMode: 'full',
  args: {
    ...CONNECTION_ARGS,
    name: { type: 'str', required: true },
    rules: { type: 'str', aliases: ['policy'] },
    src: { type: 'path' },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'] },
  },
  mutuallyExclusive: [['rules', 'src']],
  validate: (a) => (a.state === 'present' && a.rules === undefined && a.src === undefined ? ['one of rules or src is required when state=present'] : []),
  async check(ctx, args) {
    const t = openVault(ctx, args, label(args));
    let desired = args.rules ?? '';
    if (args.src !== undefined) {
      const file = ctx.findFile('files', args.src);
      try {
        desired = (await ctx.connection.readFile(file)).toString('utf8');
      } catch (e) {
        fail(t, `cannot read policy file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    const r = await call(t, (c) => readOptional(c, `sys/policies/acl/${args.name}`));
    const p = r ? dataOf(r)['policy'] : undefined;
    return { current: typeof p === 'string' ? p : undefined, desired };
  },
  plan(s, args) {
    if (args.state === 'absent') {
      return s.current === undefined ? { changed: false, reason: `policy ${args.name} already absent` } : { changed: true, summary: `delete policy ${args.name}`, diff: [{ path: `sys/policies/acl/${args.name}`, before: s.current, after: '' }] };
    }
    if (s.current !== undefined && norm(s.current) === norm(s.desired)) return { changed: false, reason: `policy ${args.name} unchanged` };
    return { changed: true, summary: `${s.current === undefined ? 'create' : 'update'} policy ${args.name}`, diff: [{ path: `sys/policies/acl/${args.name}`, before: s.current ?? '', after: s.desired }] };
  },
  async apply(ctx, args, _plan, s) {
    const t = openVault(ctx, args, label(args));
    if (args.state === 'absent') await call(t, (c) => c.delete(`sys/policies/acl/${args.name}`));
    else await call(t, (c) => c.write(`sys/policies/acl/${args.name}`, { policy: s.desired }));
  },
} satisfies ModuleDef<VaultPolicyArgs, State>;
