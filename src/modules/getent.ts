/** getent: a lookup in a name-service database, its records as the facts getent_<database>, as ansible.builtin.getent. Never changes anything. */
import { argv, sh } from './lib/sh.js';
import { defineModule, ModuleFailure } from './types.js';

const COLON = ['passwd', 'shadow', 'group', 'gshadow'];

/** Python's str.split(sep) / str.split() (runs of whitespace, no empty ends). */
export function pySplit(line: string, sep: string | undefined): string[] {
  if (sep === undefined) return line.split(/\s+/).filter((x) => x !== '');
  return line.split(sep);
}

/** The records of getent's output as Ansible keys them: first field → the rest; a repeated key → a list of them. */
export function records(out: string, split: string | undefined): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  for (const line of out.split(/\r?\n|\r/)) {
    if (line === '' ) continue;
    const r = pySplit(line, split);
    const k = r[0] ?? '';
    const n = seen.get(k) ?? 0;
    if (n === 0) tree[k] = r.slice(1);
    else {
      if (n === 1) tree[k] = [tree[k]];
      (tree[k] as unknown[]).push(r.slice(1));
    }
    seen.set(k, n + 1);
  }
  return tree;
}

export const getent = defineModule({
  name: 'getent',
  target: 'remote',
  checkMode: 'full',
  description: 'Look up entries in a name-service database (passwd, group, hosts, services, ...) with getent; sets the fact getent_<database>.',
  args: {
    database: { type: 'str', required: true, description: 'The database (passwd, shadow, group, hosts, services, ...).' },
    key: { type: 'str', description: 'The key to look up; all entries when omitted.' },
    service: { type: 'str', description: 'Use this NSS service (getent -s).' },
    split: { type: 'str', description: 'Field separator; ":" for passwd, shadow, group and gshadow, whitespace otherwise.' },
    fail_key: { type: 'bool', default: true, description: 'Fail when the key is not found; false sets it to null instead.' },
  },
  async check(ctx, a) {
    const cmd: string[] = ['getent', a.database, ...(a.key !== undefined ? [a.key] : []), ...(a.service !== undefined ? ['-s', a.service] : [])];
    return sh(ctx, argv(cmd));
  },
  plan(r, a) {
    const split = a.split ?? (COLON.includes(a.database) ? ':' : undefined);
    const db = `getent_${a.database}`;
    if (r.rc === 0) return { ok: true, reason: `${a.database}${a.key !== undefined ? ` ${a.key}` : ''} found`, facts: { [db]: records(r.stdout, split) } };
    if (r.rc === 2 && !a.fail_key) {
      const msg = 'One or more supplied key could not be found in the database.';
      return { ok: true, reason: msg, facts: { [db]: { [a.key ?? '']: null } }, data: { msg } };
    }
    const msg = r.rc === 1 ? 'Missing arguments, or database unknown.' : r.rc === 2 ? 'One or more supplied key could not be found in the database.' : r.rc === 3 ? 'Enumeration not supported on this database.' : 'Unexpected failure!';
    throw new ModuleFailure(msg);
  },
});
