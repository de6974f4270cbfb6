/**
 * package_facts: the installed packages as the fact `packages` (name → list of installed versions),
 * shaped as Ansible's package_facts: apt (read with dpkg-query: name, version, arch, category,
 * source) and rpm (name, version, release, epoch, arch, source). One command per host.
 */
import { sections, sh, why } from './lib/sh.js';
import { defineModule, ModuleFailure } from './types.js';

const MANAGERS = ['apt', 'rpm'] as const;

type Pkg = Record<string, unknown>;

/** dpkg-query lines (status, package, version, arch, section) → Ansible's apt entries; native arch and "all" are not qualified, foreign ones are (python-apt's cache keys). */
export function parseDpkg(out: string, nativeArch: string): Record<string, Pkg[]> {
  const pk: Record<string, Pkg[]> = {};
  for (const line of out.split('\n')) {
    const [status, name, version, arch, section] = line.split('\t');
    if (!status || !name || !version) continue;
    // installed: a current version exists (not "not-installed", not "config-files")
    if (status[1] === 'n' || status[1] === 'c' || status[1] === ' ') continue;
    const key = arch && arch !== 'all' && arch !== nativeArch ? `${name}:${arch}` : name;
    (pk[key] ??= []).push({ name: key, version, arch, category: section ?? '', source: 'apt' });
  }
  return pk;
}

/** rpm -qa lines (name, version, release, epoch, arch) → Ansible's rpm entries. */
export function parseRpm(out: string): Record<string, Pkg[]> {
  const pk: Record<string, Pkg[]> = {};
  for (const line of out.split('\n')) {
    const [name, version, release, epoch, arch] = line.split('\t');
    if (!name || !version) continue;
    (pk[name] ??= []).push({ name, version, release, epoch: epoch === '(none)' || epoch === undefined ? null : Number(epoch), arch, source: 'rpm' });
  }
  return pk;
}

const SCRIPT: Record<(typeof MANAGERS)[number], string> = {
  apt: "if command -v dpkg-query >/dev/null 2>&1; then echo @@apt; dpkg --print-architecture; dpkg-query -W -f='${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\t${Section}\\n'; fi",
  rpm: "if command -v rpm >/dev/null 2>&1; then echo @@rpm; rpm -qa --qf '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\n'; fi",
};

export const package_facts = defineModule({
  name: 'package_facts',
  target: 'remote',
  checkMode: 'full',
  description: 'Installed packages as the fact `packages` (apt via dpkg-query, rpm), as ansible.builtin.package_facts.',
  args: {
    manager: { type: 'list', elements: 'str', default: ['auto'], description: 'auto, apt or rpm (a list: tried in order).' },
    strategy: { type: 'str', default: 'first', choices: ['first', 'all'], description: 'first: the first manager found; all: every one found.' },
  },
  validate(a) {
    const bad = (a.manager as string[]).map((m) => m.toLowerCase()).filter((m) => m !== 'auto' && !(MANAGERS as readonly string[]).includes(m));
    return bad.length ? [`Unsupported package managers requested: ${bad.join(', ')} (supported: ${MANAGERS.join(', ')})`] : [];
  },
  async check(ctx, a) {
    const asked = (a.manager as string[]).map((m) => m.toLowerCase());
    const managers = [...new Set(asked.flatMap((m) => (m === 'auto' ? [...MANAGERS] : [m])))] as (typeof MANAGERS)[number][];
    const r = await sh(ctx, `export LC_ALL=C\n${managers.map((m) => SCRIPT[m]).join('\n')}\necho @@end`);
    if (!r.stdout.includes('@@end')) throw new ModuleFailure(`package_facts: ${why(r)}`);
    return { managers, s: sections(r.stdout) };
  },
  plan({ managers, s }, a) {
    const packages: Record<string, Pkg[]> = {};
    const used: string[] = [];
    for (const m of managers) {
      if (used.length && a.strategy === 'first') break;
      const out = s.get(m);
      if (out === undefined) continue;
      used.push(m);
      if (m === 'apt') {
        const nl = out.indexOf('\n');
        Object.assign(packages, parseDpkg(nl < 0 ? '' : out.slice(nl + 1), (nl < 0 ? out : out.slice(0, nl)).trim()));
      } else Object.assign(packages, parseRpm(out));
    }
    if (used.length === 0) throw new ModuleFailure(`Could not detect a supported package manager from the following list: [${managers.map((m) => `'${m}'`).join(', ')}], or the required Python library is not installed. Check warnings for details.`);
    return { ok: true, reason: `${Object.keys(packages).length} packages (${used.join(', ')})`, facts: { packages } };
  },
});
