/** Reading /etc/passwd, /etc/shadow and /etc/group entries (getent) and the shell steps the user module shares. */
import { shellQuote } from '../../connection/connection.js';
import { parseGroupLine, type GroupEntry } from '../group.js';

export interface PasswdEntry {
  name: string;
  passwd: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface ShadowEntry {
  password: string;
  min: number;
  max: number;
  /** Days since the epoch; -1 when unset. */
  expire: number;
}

export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const f = line.split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return undefined;
  return { name: f[0]!, passwd: f[1]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f[6]! };
}

const num = (s: string | undefined): number => (s && /^-?\d+$/.test(s) ? Number(s) : -1);

export function parseShadowLine(line: string): ShadowEntry | undefined {
  const f = line.split(':');
  if (f.length < 8) return undefined;
  return { password: f[1]!, min: num(f[3]), max: num(f[4]), expire: num(f[7]) };
}

export function parseGroups(text: string): GroupEntry[] {
  return text.split('\n').map(parseGroupLine).filter((g): g is GroupEntry => g !== undefined);
}

/** A group by name or numeric gid, as Python's grp lookups in the user module. */
export function findGroup(groups: GroupEntry[], g: string): GroupEntry | undefined {
  if (/^\d+$/.test(g)) {
    const byGid = groups.find((x) => x.gid === Number(g));
    if (byGid) return byGid;
  }
  return groups.find((x) => x.name === g);
}

/**
 * Make a home directory as Ansible's create_homedir + chown_homedir: a copy of the skeleton
 * (symlinks kept) or an empty directory, mode 0777 & ~UMASK of /etc/login.defs, then owned by the
 * user throughout. `$uid`/`$gid` must be set by the caller's script.
 */
export function homedirScript(home: string, skeleton: string | undefined): string {
  const h = shellQuote(home);
  const skel = shellQuote(skeleton ?? '/etc/skel');
  return [
    `if [ ! -e ${h} ]; then`,
    `  if [ -e ${skel} ]; then mkdir -p "$(dirname ${h})" && cp -a ${skel} ${h} || exit 1; else mkdir -p ${h} || exit 1; fi`,
    `  um=$(sed -n 's/^UMASK[[:space:]]\\{1,\\}\\([0-9]\\{1,\\}\\)$/\\1/p' /etc/login.defs 2>/dev/null | tail -n 1)`,
    `  if [ -n "$um" ]; then chmod "$(printf '%o' $(( 0777 & ~0$um )))" ${h} || exit 1; fi`,
    'fi',
  ].join('\n');
}

/** chown -R of a home as chown_homedir (the user's uid and gid read back from passwd). */
export function chownHomeScript(name: string, home: string): string {
  return `set -- $(getent passwd ${shellQuote(name)} | awk -F: '{print $3, $4}') && chown -R "$1:$2" ${shellQuote(home)}`;
}
