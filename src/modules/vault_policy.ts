/** vault_policy: `vault policy write NAME FILE` (rules inline or `src` file), compared first. */
import { defineModule, type Plan } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, fail, openVault, readOptional, targetOf, type VaultTarget } from './lib/vault.js';

interface State {
  current: string | undefined;
  desired: string;
  vault: VaultTarget;
}
/** Write these rules to `sys/policies/acl/<name>`, or delete it. */
type PolicyChange = { vault: VaultTarget; path: string } & ({ op: 'write'; policy: string } | { op: 'delete' });

const label = (a: { name: string }): string => `vault_policy(${a.name})`;
const norm = (s: string): string => s.replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n').trim();

export const vault_policy = defineModule({
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
  async check(ctx, args): Promise<State> {
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
    return { current: typeof p === 'string' ? p : undefined, desired, vault: targetOf(t) };
  },
  plan(s, args): Plan<PolicyChange> {
    const path = `sys/policies/acl/${args.name}`;
    if (args.state === 'absent') {
      return s.current === undefined ? { ok: true, reason: `policy ${args.name} already absent` } : { change: { vault: s.vault, path, op: 'delete' }, summary: `delete policy ${args.name}`, diff: [{ path, before: s.current, after: '' }] };
    }
    if (s.current !== undefined && norm(s.current) === norm(s.desired)) return { ok: true, reason: `policy ${args.name} unchanged` };
    return { change: { vault: s.vault, path, op: 'write', policy: s.desired }, summary: `${s.current === undefined ? 'create' : 'update'} policy ${args.name}`, diff: [{ path, before: s.current ?? '', after: s.desired }] };
  },
  async apply(ctx, c) {
    const t = connect(ctx, c.vault);
    if (c.op === 'delete') await call(t, (v) => v.delete(c.path));
    else await call(t, (v) => v.write(c.path, { policy: c.policy }));
  },
});
