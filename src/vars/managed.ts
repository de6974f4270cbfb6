/**
 * ansible_managed in templates, as ansible-core's generate_ansible_template_vars: the
 * DEFAULT_MANAGED_STR setting (default "Ansible managed"; here the variable
 * `orchestrate_ansible_managed`) formatted with {host} (the control machine), {uid} (the
 * template's owner) and {file} (the template as named in `src`), then strftime with the
 * template's modification time.
 */
import { statSync } from 'node:fs';
import os from 'node:os';

export const DEFAULT_MANAGED = 'Ansible managed';
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** The strftime codes Python's time.strftime has and people put in ansible_managed. */
export function strftime(fmt: string, d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const codes: Record<string, () => string> = {
    Y: () => String(d.getFullYear()), y: () => p(d.getFullYear() % 100), m: () => p(d.getMonth() + 1), d: () => p(d.getDate()),
    H: () => p(d.getHours()), I: () => p(d.getHours() % 12 || 12), M: () => p(d.getMinutes()), S: () => p(d.getSeconds()),
    p: () => (d.getHours() < 12 ? 'AM' : 'PM'), a: () => DAYS[d.getDay()]!.slice(0, 3), A: () => DAYS[d.getDay()]!,
    b: () => MONTHS[d.getMonth()]!.slice(0, 3), B: () => MONTHS[d.getMonth()]!, w: () => String(d.getDay()),
    j: () => p(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 86400000) + 1, 3),
    z: () => `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`,
    Z: () => Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? '',
    c: () => `${DAYS[d.getDay()]!.slice(0, 3)} ${MONTHS[d.getMonth()]!.slice(0, 3)} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`,
    '%': () => '%',
  };
  return fmt.replace(/%(.)/g, (m, c: string) => (codes[c] ? codes[c]!() : m));
}

function ownerName(uid: number): string {
  try {
    const me = os.userInfo();
    if (me.uid === uid) return me.username;
  } catch {
    // no passwd entry for the current user
  }
  return String(uid);
}

/** The template variables a template sees: ansible_managed, template_host/uid/path/fullpath/destpath. */
export function templateVars(setting: unknown, srcArg: string, fullPath: string, dest: string): Record<string, unknown> {
  const st = statSync(fullPath);
  const host = os.hostname();
  const uid = ownerName(st.uid);
  const format = typeof setting === 'string' ? setting : DEFAULT_MANAGED;
  const named = format.replace(/\{(host|uid|file)\}/g, (_m, k: string) => (k === 'host' ? host : k === 'uid' ? uid : srcArg));
  return {
    ansible_managed: strftime(named, st.mtime),
    template_host: host,
    template_uid: uid,
    template_path: srcArg,
    template_fullpath: fullPath,
    template_destpath: dest,
  };
}
