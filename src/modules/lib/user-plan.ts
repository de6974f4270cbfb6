/** The user module's decision, pure: Ansible's create_user_useradd / modify_user_usermod / remove_user_userdel, argument by argument. */
import type { Plan } from '../types.js';
import { ModuleFailure } from '../types.js';
import type { UserArgs, UserState } from '../user.js';
import { presentData } from '../user.js';
import { chownHomeScript, findGroup, homedirScript } from './accounts.js';
import { argv } from './sh.js';

export interface UserChange {
  args: UserArgs;
  /** The account command (useradd/usermod/userdel/chage), a shell script. */
  command?: string;
  /** A missing home to create afterwards. */
  makeHome?: string;
  /** Generate the key: 'new' where none is, 'force' replacing one. */
  keygen?: 'new' | 'force';
  /** Registered data before the account is read back. */
  data: Record<string, unknown>;
}

type Word = string | number;

/** YYYY-MM-DD (UTC) of epoch seconds, as time.strftime('%Y-%m-%d', time.gmtime(expires)). */
function day(epoch: number): string {
  return new Date(Math.floor(epoch) * 1000).toISOString().slice(0, 10);
}

function needGroup(st: UserState, g: string) {
  const e = findGroup(st.groups, g);
  if (!e) throw new ModuleFailure(`Group ${g} does not exist`);
  return e;
}

function useradd(st: UserState, a: UserArgs): Word[] {
  const cmd: Word[] = ['useradd'];
  if (a.uid !== undefined) cmd.push('-u', a.uid, ...(a.non_unique ? ['-o'] : []));
  if (a.group !== undefined) {
    needGroup(st, a.group);
    cmd.push('-g', a.group);
  } else if (findGroup(st.groups, a.name)) cmd.push('-N');
  const groups = (a.groups ?? []).filter(Boolean);
  if (groups.length) {
    for (const g of groups) needGroup(st, g);
    cmd.push('-G', [...new Set(groups.map((g) => g.trim()))].join(','));
  }
  if (a.comment !== undefined) cmd.push('-c', a.comment);
  if (a.home !== undefined) cmd.push('-d', a.home);
  if (a.shell !== undefined) cmd.push('-s', a.shell);
  if (a.expires !== undefined) cmd.push('-e', a.expires < 0 ? '' : day(a.expires));
  if (a.password !== undefined) cmd.push('-p', a.password_lock ? `!${a.password}` : a.password);
  if (a.create_home) {
    cmd.push('-m');
    if (a.skeleton !== undefined) cmd.push('-k', a.skeleton);
    if (a.umask !== undefined) cmd.push('-K', `UMASK=${a.umask}`);
  } else cmd.push('-M');
  if (a.system) cmd.push('-r');
  cmd.push(a.name);
  return cmd;
}

/** usermod's options and a description of each difference. */
function usermod(st: UserState, a: UserArgs): { cmd: Word[]; what: string[] } {
  const pw = st.pw!;
  const cmd: Word[] = [];
  const what: string[] = [];
  if (a.uid !== undefined && pw.uid !== a.uid) (cmd.push('-u', a.uid, ...(a.non_unique ? ['-o'] : [])), what.push(`uid ${pw.uid} → ${a.uid}`));
  if (a.group !== undefined) {
    const g = needGroup(st, a.group);
    if (pw.gid !== g.gid) (cmd.push('-g', g.gid), what.push(`group ${pw.gid} → ${g.gid}`));
  }
  if (a.groups !== undefined) {
    const current = st.groups.filter((g) => g.members.includes(a.name)).map((g) => g.name);
    const wanted = [...new Set((a.groups as string[]).map((g) => g.trim()).filter(Boolean))];
    for (const g of wanted) needGroup(st, g);
    const diff = [...current.filter((g) => !wanted.includes(g)), ...wanted.filter((g) => !current.includes(g))];
    const need = wanted.length === 0 ? current.length > 0 && !a.append : a.append ? wanted.some((g) => diff.includes(g)) : diff.length > 0;
    if (need) (cmd.push(...(a.append ? ['-a'] : []), '-G', wanted.join(',')), what.push(`groups ${current.join(',') || '(none)'} → ${a.append ? `+${wanted.filter((g) => !current.includes(g)).join(',')}` : wanted.join(',') || '(none)'}`));
  }
  if (a.comment !== undefined && pw.comment !== a.comment) (cmd.push('-c', a.comment), what.push(`comment "${pw.comment}" → "${a.comment}"`));
  if (a.home !== undefined && pw.home !== a.home) (cmd.push('-d', a.home, ...(a.move_home ? ['-m'] : [])), what.push(`home ${pw.home} → ${a.home}`));
  if (a.shell !== undefined && pw.shell !== a.shell) (cmd.push('-s', a.shell), what.push(`shell ${pw.shell} → ${a.shell}`));
  if (a.expires !== undefined) {
    const cur = st.shadow?.expire ?? -1;
    if (a.expires < 0) {
      if (cur >= 0) (cmd.push('-e', ''), what.push('expiry removed'));
    } else if (cur < 0 || day(cur * 86400) !== day(a.expires)) (cmd.push('-e', day(a.expires)), what.push(`expires ${day(a.expires)}`));
  }
  // passwd's "x" is replaced by the shadow hash, as user_info() does
  const hash = pw.passwd.length <= 1 ? (st.shadow?.password ?? '') : pw.passwd;
  if (a.password_lock === true && !hash.startsWith('!')) (cmd.push('-L'), what.push('password locked'));
  else if (a.password_lock === false && hash.startsWith('!')) (cmd.push('-U'), what.push('password unlocked'));
  if (a.update_password === 'always' && a.password !== undefined && hash.replace(/^!+/, '') !== a.password.replace(/^!+/, '')) {
    const keep = cmd.filter((c) => c !== '-U' && c !== '-L');
    cmd.length = 0;
    cmd.push(...keep, '-p', a.password_lock ? `!${a.password}` : a.password);
    what.push('password changed');
  }
  return { cmd, what };
}

function chage(st: UserState, a: UserArgs): { cmd: Word[]; what: string[] } {
  const cmd: Word[] = [];
  const what: string[] = [];
  if (!st.shadow) return { cmd, what };
  if (a.password_expire_min !== undefined && a.password_expire_min !== st.shadow.min) (cmd.push('-m', a.password_expire_min), what.push(`password_expire_min ${a.password_expire_min}`));
  if (a.password_expire_max !== undefined && a.password_expire_max !== st.shadow.max) (cmd.push('-M', a.password_expire_max), what.push(`password_expire_max ${a.password_expire_max}`));
  return { cmd, what };
}

function keygen(st: UserState, a: UserArgs): UserChange['keygen'] {
  const k = st.key;
  if (!a.generate_ssh_key || !k) return undefined;
  if (!k.dirExists || (!k.priv && !k.pub)) return 'new';
  return a.force ? 'force' : undefined;
}

export function planUser(st: UserState, a: UserArgs, checkMode = false): Plan<UserChange> {
  const base = { name: a.name, state: a.state };
  const pwd = a.password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {};
  if (a.state === 'absent') {
    if (!st.pw) return { ok: true, reason: `user ${a.name} does not exist`, data: base };
    const cmd = argv(['userdel', ...(a.force ? ['-f'] : []), ...(a.remove ? ['-r'] : []), a.name]);
    return { change: { args: a, command: cmd, data: { ...base, force: a.force, remove: a.remove } }, summary: `remove user ${a.name}${a.remove ? ' and its home' : ''}`, diff: [{ path: `user ${a.name}`, before: `${a.name} (uid ${st.pw.uid}, home ${st.pw.home})\n`, after: '' }] };
  }
  if (!st.pw) {
    // in check mode Ansible reports a new user as a change before looking at its groups
    if (checkMode) return { change: { args: a, data: {} }, summary: `add user ${a.name}`, diff: [{ path: `user ${a.name}`, before: '', after: `${a.name}\n` }] };
    const cmd = useradd(st, a);
    let script = argv(cmd);
    // a home whose parent is missing is made first (useradd -m would not), then chowned (Ansible's path_needs_parents)
    if (a.home !== undefined && a.create_home && !st.homeParentExists) script = `(\n${homedirScript(a.home, a.skeleton)}\n) && ${script} && ${chownHomeScript(a.name, a.home)}`;
    // set_password_expire runs after useradd too (chage; the same end state when the value is already the default)
    const ages: Word[] = [...(a.password_expire_min !== undefined ? ['-m', a.password_expire_min] : []), ...(a.password_expire_max !== undefined ? ['-M', a.password_expire_max] : [])];
    if (ages.length) script = `${script} && ${argv(['chage', ...ages, a.name])}`;
    const shown = argv(cmd.map((w, i) => (cmd[i - 1] === '-p' ? '********' : w)));
    return {
      change: { args: a, command: script, ...(a.generate_ssh_key ? { keygen: 'new' as const } : {}), data: { ...base, system: a.system, create_home: a.create_home, ...pwd } },
      summary: `add user ${a.name}`,
      diff: [{ path: `user ${a.name}`, before: '', after: `${shown}\n` }],
    };
  }
  const mod = usermod(st, a);
  const ch = chage(st, a);
  const home = a.home ?? st.pw.home;
  const makeHome = !st.homeExists && a.create_home ? home : undefined;
  const key = keygen(st, a);
  const what = [...mod.what, ...ch.what, ...(makeHome ? [`home ${home} created`] : []), ...(key ? [`ssh key ${key === 'force' ? 'replaced' : 'generated'}`] : [])];
  const data = { ...base, append: a.append, move_home: a.move_home, ...pwd, ...presentData(st, a) };
  if (what.length === 0) return { ok: true, reason: `user ${a.name} already as wanted (uid ${st.pw.uid})`, data };
  const script = [mod.cmd.length ? argv(['usermod', ...mod.cmd, a.name]) : '', ch.cmd.length ? argv(['chage', ...ch.cmd, a.name]) : ''].filter(Boolean).join(' && ');
  return {
    change: { args: a, ...(script ? { command: script } : {}), ...(makeHome ? { makeHome } : {}), ...(key ? { keygen: key } : {}), data: { ...base, append: a.append, move_home: a.move_home, ...pwd } },
    summary: `user ${a.name}: ${what.join(', ')}`,
    diff: [{ path: `user ${a.name}`, before: '', after: what.map((w) => `${w}\n`).join('') }],
    data,
  };
}
