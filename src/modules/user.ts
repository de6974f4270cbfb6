/**
 * user: a local account as Ansible's user module on Linux: useradd/usermod/userdel with the same
 * options in the same cases, the home made from the skeleton when missing, an SSH key only when
 * generate_ssh_key asks, and the same registered result (uid, group, comment, home, shell, groups,
 * ssh_fingerprint, ...). One command reads the account, its groups and its key.
 */
import { shellQuote } from '../connection/connection.js';
import type { GroupEntry } from './group.js';
import { chownHomeScript, findGroup, homedirScript, parseGroups, parsePasswdLine, parseShadowLine, type PasswdEntry, type ShadowEntry } from './lib/accounts.js';
import { argv, sections, sh, why } from './lib/sh.js';
import { planUser, type UserChange } from './lib/user-plan.js';
import type { ArgsOf } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

export const USER_ARGS = {
  name: { type: 'str', required: true, aliases: ['user'], description: 'Name of the user.' },
  state: { type: 'str', default: 'present', choices: ['present', 'absent'], description: 'Whether the account should exist.' },
  uid: { type: 'int', description: 'The numeric UID.' },
  non_unique: { type: 'bool', default: false, description: 'Allow a UID another user has (-o); with uid.' },
  group: { type: 'str', description: 'Primary group (name or GID); it must exist.' },
  groups: { type: 'list', elements: 'str', description: 'Supplementary groups; with append false the user is removed from the others. An empty list removes all.' },
  append: { type: 'bool', default: false, description: 'Add the groups to the ones the user has instead of setting the list.' },
  comment: { type: 'str', description: 'The GECOS field.' },
  home: { type: 'path', description: 'Home directory.' },
  shell: { type: 'str', description: 'Login shell.' },
  password: { type: 'str', secret: true, description: 'The password hash as it goes into /etc/shadow (crypt format, e.g. from password_hash), never a plain text.' },
  update_password: { type: 'str', default: 'always', choices: ['always', 'on_create'], description: 'always: set the hash when it differs; on_create: only for a new user.' },
  password_lock: { type: 'bool', description: 'Lock (usermod -L) or unlock (-U) the password.' },
  password_expire_max: { type: 'int', description: 'Maximum days between password changes (chage -M).' },
  password_expire_min: { type: 'int', description: 'Minimum days between password changes (chage -m).' },
  expires: { type: 'float', description: 'Account expiry as epoch seconds (the day is kept); negative removes the expiry.' },
  create_home: { type: 'bool', default: true, aliases: ['createhome'], description: 'Create the home (from the skeleton) for a new user, or when it is missing.' },
  skeleton: { type: 'str', description: 'Skeleton directory for a new home (default /etc/skel).' },
  move_home: { type: 'bool', default: false, description: 'When home changes, move the contents (usermod -m).' },
  system: { type: 'bool', default: false, description: 'Create a system account (useradd -r); only when the user is created.' },
  force: { type: 'bool', default: false, description: 'With state absent, userdel -f; with generate_ssh_key, replace an existing key.' },
  remove: { type: 'bool', default: false, description: 'With state absent, remove the home and mail spool (userdel -r).' },
  generate_ssh_key: { type: 'bool', description: 'Generate an SSH key pair for the user when there is none (never unless asked).' },
  ssh_key_bits: { type: 'int', default: 0, description: 'Key size (ssh-keygen -b); 0 takes ssh-keygen\'s default.' },
  ssh_key_type: { type: 'str', default: 'rsa', description: 'Key type (ssh-keygen -t).' },
  ssh_key_file: { type: 'path', description: 'Key file, relative to the home or absolute (default .ssh/id_TYPE).' },
  ssh_key_comment: { type: 'str', description: 'Key comment (default "ansible-generated on HOSTNAME").' },
  ssh_key_passphrase: { type: 'str', secret: true, description: 'Not supported (it needs a terminal); refused.' },
  umask: { type: 'str', description: 'Umask of the created home (useradd -K UMASK=).' },
  local: { type: 'bool', description: 'Only false is supported (luseradd is not).' },
} as const;

export type UserArgs = ArgsOf<typeof USER_ARGS>;

/** What one command reads about the account. */
export interface UserState {
  pw?: PasswdEntry;
  shadow?: ShadowEntry;
  groups: GroupEntry[];
  /** The home (the asked one, else the current one) exists. */
  homeExists: boolean;
  /** Its parent directory exists. */
  homeParentExists: boolean;
  key?: { path: string; dirExists: boolean; priv: boolean; pub: boolean; fingerprint: string; publicKey?: string };
}

function keyPathExpr(args: UserArgs): string {
  const file = args.ssh_key_file ?? `.ssh/id_${args.ssh_key_type}`;
  return file.startsWith('/') ? shellQuote(file) : `"$h"/${shellQuote(file)}`;
}

/** The script printing the account's state in sections (also run after a change). */
export function readScript(args: UserArgs): string {
  const n = shellQuote(args.name);
  const lines = [
    `n=${n}`,
    'echo @@pw; getent passwd "$n"',
    'echo @@sp; getent shadow "$n"',
    'echo @@gr; getent group',
    args.home !== undefined ? `h=${shellQuote(args.home)}` : `h=$(getent passwd "$n" | cut -d: -f6)`,
    'echo @@home; if [ -n "$h" ] && [ -e "$h" ]; then echo yes; fi',
    'echo @@parent; if [ -n "$h" ] && [ -d "$(dirname "$h")" ]; then echo yes; fi',
  ];
  if (args.generate_ssh_key) {
    lines.push(
      `k=${keyPathExpr(args)}`,
      'echo @@key; echo "$k"; [ -d "$(dirname "$k")" ] && echo dir; [ -e "$k" ] && echo priv; [ -e "$k.pub" ] && echo pub',
      'echo @@fp; if [ -e "$k" ]; then ssh-keygen -l -f "$k" 2>&1; else echo "SSH Key file $k does not exist"; fi',
      'echo @@pub; [ -r "$k.pub" ] && cat "$k.pub"',
    );
  }
  return `${lines.join('\n')}\necho @@end\n`;
}

export function parseState(out: string, args: UserArgs): UserState {
  const s = sections(out);
  const st: UserState = {
    groups: parseGroups(s.get('gr') ?? ''),
    homeExists: (s.get('home') ?? '').trim() === 'yes',
    homeParentExists: (s.get('parent') ?? '').trim() === 'yes',
  };
  const pw = parsePasswdLine((s.get('pw') ?? '').trim());
  if (pw) st.pw = pw;
  const sp = parseShadowLine((s.get('sp') ?? '').trim());
  if (sp) st.shadow = sp;
  if (args.generate_ssh_key && pw) {
    const k = (s.get('key') ?? '').split('\n');
    const pub = (s.get('pub') ?? '').trim();
    st.key = { path: k[0] ?? '', dirExists: k.includes('dir'), priv: k.includes('priv'), pub: k.includes('pub'), fingerprint: (s.get('fp') ?? '').trim(), ...(pub ? { publicKey: pub } : {}) };
  }
  return st;
}

async function read(ctx: Parameters<typeof sh>[0], args: UserArgs, before = ''): Promise<UserState> {
  const r = await sh(ctx, before + readScript(args));
  if (!r.stdout.includes('@@end')) throw new ModuleFailure(`user(${args.name}): ${why(r)}`, { name: args.name, msg: r.stderr.trim(), rc: r.rc });
  return parseState(r.stdout, args);
}

/** Ansible's result for a present user: its passwd fields, groups as given, the key. */
export function presentData(st: UserState, args: UserArgs): Record<string, unknown> {
  if (!st.pw) return {};
  const d: Record<string, unknown> = { uid: st.pw.uid, group: st.pw.gid, comment: st.pw.comment, home: st.pw.home, shell: st.pw.shell };
  if (args.groups !== undefined) d['groups'] = (args.groups as string[]).join(',');
  if (st.key) Object.assign(d, { ssh_fingerprint: st.key.fingerprint, ssh_key_file: st.key.path, ssh_public_key: st.key.publicKey ?? null });
  return d;
}

/** The shell steps after useradd/usermod: the home when missing, the key when asked. */
function afterScript(args: UserArgs, c: UserChange): string {
  const steps: string[] = [];
  // Ansible looks again after usermod (a moved home exists by now): made, and chowned, only when still missing
  if (c.makeHome) steps.push(`if [ ! -e ${shellQuote(c.makeHome)} ]; then (\n${homedirScript(c.makeHome, args.skeleton)}\n) && ${chownHomeScript(args.name, c.makeHome)} || exit 1; fi`);
  if (c.keygen) {
    const n = shellQuote(args.name);
    const comment = args.ssh_key_comment !== undefined ? shellQuote(args.ssh_key_comment) : '"ansible-generated on $(hostname)"';
    const bits = args.ssh_key_bits > 0 ? `-b ${args.ssh_key_bits} ` : '';
    steps.push(
      args.home !== undefined ? `h=${shellQuote(args.home)}` : `h=$(getent passwd ${n} | cut -d: -f6)`,
      `k=${keyPathExpr(args)}`,
      'set -- $(getent passwd ' + n + " | awk -F: '{print $3, $4}')",
      'd=$(dirname "$k"); if [ ! -d "$d" ]; then mkdir -m 0700 "$d" && chown "$1:$2" "$d" || exit 1; fi',
      c.keygen === 'force' ? 'rm -f "$k.pub"; ko=y' : 'ko=',
      // as ssh_key_gen: an existing key is kept unless forced
      `if [ -n "$ko" ] || { [ ! -e "$k" ] && [ ! -e "$k.pub" ]; }; then`,
      `  printf '%s\\n' "$ko" | ssh-keygen -t ${shellQuote(args.ssh_key_type)} ${bits}-C ${comment} -f "$k" -N '' >/dev/null || exit 1`,
      '  chown "$1:$2" "$k" "$k.pub"',
      'fi',
    );
  }
  return steps.length ? `(\n${steps.join('\n')}\n) || exit 1\n` : '';
}

export const user = defineModule({
  name: 'user',
  target: 'remote',
  checkMode: 'full',
  description: 'Add, change or remove a local user account (useradd, usermod, userdel, chage), its home and optionally an SSH key, as ansible.builtin.user.',
  args: USER_ARGS,
  validate(a) {
    const p: string[] = [];
    if (a.local) p.push('local: true (luseradd) is not supported');
    if (a.ssh_key_passphrase !== undefined) p.push('ssh_key_passphrase is not supported (ssh-keygen would need a terminal)');
    return p;
  },
  check: (ctx, args) => read(ctx, args),
  plan: (st, args, ctx) => planUser(st, args, ctx.checkMode),
  async apply(ctx, c) {
    const args = c.args;
    let out = '';
    let err = '';
    if (c.command) {
      const r = await sh(ctx, c.command);
      out = r.stdout.trim();
      err = r.stderr.trim();
      if (r.rc !== 0) throw new ModuleFailure(`user(${args.name}): ${c.command.split(' ')[0]} failed: ${why(r)}`, { name: args.name, msg: err, rc: r.rc });
    }
    const data: Record<string, unknown> = { ...c.data };
    if (out) data['stdout'] = out;
    if (err) data['stderr'] = err;
    if (args.state === 'absent') return data;
    const after = afterScript(args, c);
    const st = await read(ctx, args, after ? `${after}` : '');
    return { ...data, ...presentData(st, args) };
  },
});

export { argv };
