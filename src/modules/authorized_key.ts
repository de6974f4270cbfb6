/**
 * authorized_key: SSH public keys in a user's authorized_keys, as ansible.posix.authorized_key
 * (1.5): keys are matched by their base64 blob; a key whose options or comment differ is
 * replaced; `exclusive` drops every other line; lines are written back in their order as
 * `options type blob comment`. On a write, with manage_dir, ~/.ssh is made 0700 and the file
 * 0600, both owned by the user. Keys from a URL are not fetched.
 */
import { argv, sh } from './lib/sh.js';
import { parsePasswdLine, type PasswdEntry } from './lib/accounts.js';
import type { ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const KEY_TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'ssh-dss', 'ssh-rsa', 'ssh-xmss@openssh.com', 'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

type Options = [string, string | null][];

/** One line of the file: a key, or a line kept as it is ('skipped'). */
interface Entry {
  id: string;
  type: string;
  options: Options;
  comment: string;
  rank: number;
  raw?: string;
}

/** The collection's parseoptions: comma-separated, quotes kept whole. */
export function parseOptions(s: string | undefined): Options {
  const out: Options = [];
  if (!s) return out;
  for (const m of s.matchAll(/(?:[^,"']|"[^"]*"|'[^']*')+/g)) {
    const part = m[0];
    const eq = part.indexOf('=');
    out.push(eq >= 0 ? [part.slice(0, eq), part.slice(eq + 1)] : [part, null]);
  }
  return out;
}

/** The collection's parsekey: whitespace-split words (no quoting), the first known key type. */
export function parseKey(rawLine: string, rank: number): Entry | undefined {
  const raw = rawLine.replace(/\\#/g, '#');
  const words = raw.split(/\s+/).filter((w) => w !== '');
  if (words[0] === '#') return { id: raw, type: 'skipped', options: [], comment: '', rank, raw };
  const i = words.findIndex((w) => KEY_TYPES.has(w));
  if (i < 0 || words[i + 1] === undefined) return undefined;
  return { id: words[i + 1]!, type: words[i]!, options: parseOptions(i > 0 ? words.slice(0, i).join(' ') : undefined), comment: words.slice(i + 2).join(' '), rank };
}

function parseFile(text: string): Map<string, Entry> {
  const keys = new Map<string, Entry>();
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  lines.forEach((line, rank) => {
    const e = parseKey(line, rank) ?? { id: line, type: 'skipped', options: [], comment: '', rank, raw: line };
    keys.set(e.id, e);
  });
  return keys;
}

/** Options as a dict of lists (the collection compares its keydicts as dicts). */
function optionsKey(o: Options): string {
  const m = new Map<string, (string | null)[]>();
  for (const [k, v] of o) m.set(k, [...(m.get(k) ?? []), v]);
  return JSON.stringify([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const same = (a: Entry, b: Entry): boolean => a.id === b.id && a.type === b.type && a.comment === b.comment && optionsKey(a.options) === optionsKey(b.options);

function serialize(keys: Map<string, Entry>): string {
  return [...keys.values()]
    .sort((a, b) => a.rank - b.rank)
    .map((e) => {
      if (e.type === 'skipped') return e.raw!;
      const opts = e.options.length ? `${e.options.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(',')} ` : '';
      return `${opts}${e.type} ${e.id} ${e.comment}\n`;
    })
    .join('');
}

interface State {
  user?: PasswdEntry;
  keyfile: string;
  sshdir: string;
  before: string;
}

interface Write {
  keyfile: string;
  sshdir: string;
  content: string;
  user: PasswdEntry;
  manageDir: boolean;
}

async function lookupUser(ctx: ModuleContext, name: string): Promise<PasswdEntry | undefined> {
  const r = await sh(ctx, `getent passwd ${argv([name])}`);
  return r.rc === 0 ? parsePasswdLine(r.stdout.split('\n')[0] ?? '') : undefined;
}

export const authorized_key = defineModule({
  name: 'authorized_key',
  aliases: ['ansible.posix.authorized_key'],
  description: 'Add or remove SSH public keys in a user\'s authorized_keys (ansible.posix.authorized_key; keys given inline, not by URL)',
  target: 'remote',
  checkMode: 'full',
  args: {
    user: { type: 'str', required: true, description: 'the user whose authorized_keys is managed' },
    key: { type: 'str', required: true, description: 'the public key(s), one per line' },
    path: { type: 'path', description: 'the authorized_keys file (default ~user/.ssh/authorized_keys)' },
    manage_dir: { type: 'bool', default: true, description: 'create the file\'s directory and make it 0700, owned by the user' },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'], description: 'whether the keys are present' },
    key_options: { type: 'str', description: 'options put before the key (from="...",no-pty)' },
    exclusive: { type: 'bool', default: false, description: 'remove every other line of the file' },
    comment: { type: 'str', description: 'the comment written after the key, replacing the key\'s own' },
    validate_certs: { type: 'bool', default: true, description: 'accepted for compatibility (keys are not fetched by URL)' },
    follow: { type: 'bool', default: false, description: 'follow a symlinked authorized_keys and write its target' },
  },
  validate: (args) => (/^https?:/.test(args.key) ? ['authorized_key: keys from a URL are not supported; give the key text (lookup(\'url\', ...) on the controller)'] : []),
  async check(ctx, args): Promise<State> {
    const user = await lookupUser(ctx, args.user);
    if (!user && !(ctx.checkMode && args.path !== undefined)) {
      if (ctx.checkMode) throw new ModuleFailure('Either user must exist or you must provide full path to key file in check mode');
      throw new ModuleFailure(`Failed to lookup user ${args.user}: "getpwnam(): name not found: '${args.user}'"`);
    }
    const sshdir = args.path !== undefined ? args.path.replace(/\/[^/]*$/, '') || '/' : `${user!.home.replace(/\/$/, '')}/.ssh`;
    let keyfile = args.path ?? `${sshdir}/authorized_keys`;
    if (args.follow) {
      const r = await sh(ctx, `readlink -f ${argv([keyfile])}`);
      if (r.rc === 0 && r.stdout.trim()) keyfile = r.stdout.trim();
    }
    const info = await ctx.connection.stat(keyfile);
    const before = info.exists && info.kind !== 'directory' ? (await ctx.connection.readFile(keyfile)).toString('utf8') : '';
    return { ...(user ? { user } : {}), keyfile, sshdir, before };
  },
  plan(s, args, ctx): Plan<Write> {
    const existing = parseFile(s.before);
    const maxRank = existing.size;
    const wanted: string[] = [];
    let write = false;
    const lines = args.key.split(/\r\n|\r|\n/).filter((l) => l && !l.startsWith('#'));
    lines.forEach((line, rank) => {
      let k = parseKey(line, rank);
      if (!k || k.type === 'skipped') throw new ModuleFailure(`invalid key specified: ${line}`);
      if (args.key_options !== undefined) k = { ...k, options: parseOptions(args.key_options) };
      if (args.comment !== undefined) k = { ...k, comment: args.comment };
      const cur = existing.get(k.id);
      let matched = false;
      if (cur) {
        if (!same(k, cur) && args.state === 'present') {
          existing.delete(k.id);
          write = true;
        } else matched = true;
      }
      if (args.state === 'present') {
        wanted.push(k.id);
        if (!matched) {
          existing.set(k.id, { ...k, rank: maxRank + rank });
          write = true;
        }
      } else if (matched) {
        existing.delete(k.id);
        write = true;
      }
    });
    if (args.state === 'present' && args.exclusive) {
      for (const id of [...existing.keys()]) {
        if (!wanted.includes(id)) {
          existing.delete(id);
          write = true;
        }
      }
    }
    const data = { keyfile: s.keyfile, user: args.user, key: args.key, state: args.state, exclusive: args.exclusive, manage_dir: args.manage_dir, path: args.path ?? null, key_options: args.key_options ?? null, comment: args.comment ?? null, follow: args.follow };
    if (!write) return { ok: true, reason: `${s.keyfile} has the keys ${args.state === 'present' ? 'present' : 'absent'}`, data };
    const content = serialize(existing);
    if (!s.user) throw new ModuleFailure(`Failed to lookup user ${args.user}`);
    return {
      change: { keyfile: s.keyfile, sshdir: s.sshdir, content, user: s.user, manageDir: args.manage_dir },
      summary: `${s.keyfile}: ${args.state === 'present' ? 'keys added or updated' : 'keys removed'}`,
      ...(ctx.diffMode ? { diff: [{ path: s.keyfile, before: s.before, after: content }] } : {}),
      data,
    };
  },
  async apply(ctx, w) {
    const owner = w.user.name;
    const group = String(w.user.gid);
    const dir = w.keyfile.replace(/\/[^/]*$/, '') || '/';
    // the collection's keyfile(): the directory 0700 and the file 0600, owned by the user
    const script = [
      w.manageDir ? `{ [ -e ${argv([w.sshdir])} ] || mkdir -m 0700 ${argv([w.sshdir])}; } && chown ${argv([`${w.user.uid}:${w.user.gid}`, w.sshdir])} && chmod 0700 ${argv([w.sshdir])} || exit 1` : ':',
      `[ -e ${argv([w.keyfile])} ] || { mkdir -p ${argv([dir])} && : > ${argv([w.keyfile])}; } || exit 1`,
      `chown ${argv([`${w.user.uid}:${w.user.gid}`, w.keyfile])} 2>/dev/null; chmod 0600 ${argv([w.keyfile])} 2>/dev/null; exit 0`,
    ].join('\n');
    const r = await sh(ctx, script);
    if (r.rc !== 0) throw new ModuleFailure(`authorized_key: preparing ${w.keyfile} failed: ${(r.stderr || r.stdout).trim()}`);
    const info = await ctx.connection.stat(w.keyfile);
    await ctx.connection.writeFile(w.keyfile, w.content, { mode: 0o600, owner, group, existing: info });
  },
});
