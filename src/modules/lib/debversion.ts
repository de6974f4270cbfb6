/** Debian version ordering (dpkg's verrevcmp) and the package specs the package modules take. */

function order(c: string): number {
  if (c === '~') return -1;
  if (c === '') return 0;
  if (/\d/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp on an upstream version or revision. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let first = 0;
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = order(i < a.length && !/\d/.test(a[i]!) ? a[i]! : '');
      const bc = order(j < b.length && !/\d/.test(b[j]!) ? b[j]! : '');
      if (ac !== bc) return ac - bc;
      if (i < a.length && !/\d/.test(a[i]!)) i++;
      if (j < b.length && !/\d/.test(b[j]!)) j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /\d/.test(a[i]!) && j < b.length && /\d/.test(b[j]!)) {
      if (!first) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /\d/.test(a[i]!)) return 1;
    if (j < b.length && /\d/.test(b[j]!)) return -1;
    if (first) return first;
  }
  return 0;
}

function parts(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

/** <0, 0, >0 as `dpkg --compare-versions a lt|eq|gt b`. */
export function compareDebVersions(a: string, b: string): number {
  const [ea, ua, ra] = parts(a);
  const [eb, ub, rb] = parts(b);
  if (ea !== eb) return ea - eb;
  const u = verrevcmp(ua, ub);
  return u !== 0 ? u : verrevcmp(ra, rb);
}

/** Python's fnmatch.fnmatch on a version (`*`, `?`, `[...]`). */
export function fnmatch(text: string, pattern: string): boolean {
  let re = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', k + 2);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(k + 1, end);
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        k = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(text);
}

export interface PkgSpec {
  name: string;
  cmp?: '=' | '>=';
  version?: string;
}

/** "nginx", "nginx=1.22*", "nginx>=1.2" (Ansible's package_split: the first `=` or `>=`). */
export function splitPkgSpec(spec: string): PkgSpec {
  const m = /^(.*?)(>?=)(.*)$/s.exec(spec);
  if (!m) return { name: spec };
  return { name: m[1]!, cmp: m[2] as '=' | '>=', version: m[3]! };
}
