/**
 * hostname: the host's name as Ansible's hostname module sets it, by strategy: `systemd`
 * (hostnamectl), the file strategies (/etc/hostname on Debian and friends without systemd, which
 * leaves the running name alone as Ansible does; `alpine` also runs `hostname -F`), `redhat`
 * (/etc/sysconfig/network), `openrc` (/etc/conf.d/hostname), `sles` (/etc/HOSTNAME).
 */
import { shellQuote } from '../connection/connection.js';
import { sections, sh, why } from './lib/sh.js';
import type { ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const USE = ['alpine', 'debian', 'freebsd', 'generic', 'macos', 'macosx', 'darwin', 'openbsd', 'openrc', 'redhat', 'sles', 'solaris', 'systemd'] as const;

type Strategy = { kind: 'systemd' } | { kind: 'file'; file: string; reload?: boolean } | { kind: 'redhat' } | { kind: 'openrc' };

const FILE_DISTROS = ['debian', 'ubuntu', 'kali', 'parrot', 'linuxmint', 'raspbian', 'devuan', 'cumulus-linux', 'kylin', 'linaro', 'uos', 'deepin'];
const REDHAT_DISTROS = ['rhel', 'centos', 'anolis', 'cloudlinux', 'alinux', 'scientific', 'ol', 'virtuozzo', 'amzn'];

/** The strategy Ansible picks: `use` (STRATS), else systemd when it manages the host, else by distribution. */
export function strategyFor(use: string | undefined, distro: string, systemd: boolean): Strategy {
  const byUse: Record<string, Strategy> = {
    alpine: { kind: 'file', file: '/etc/hostname', reload: true },
    debian: { kind: 'systemd' },
    systemd: { kind: 'systemd' },
    openbsd: { kind: 'file', file: '/etc/myname' },
    openrc: { kind: 'openrc' },
    redhat: { kind: 'redhat' },
    sles: { kind: 'file', file: '/etc/HOSTNAME' },
  };
  if (use !== undefined) {
    const s = byUse[use];
    if (!s) throw new ModuleFailure(`hostname: use=${use} is not supported here (systemd, debian, redhat, alpine, openrc, sles, openbsd are)`);
    return s;
  }
  if (systemd) return { kind: 'systemd' };
  if (FILE_DISTROS.includes(distro)) return { kind: 'file', file: '/etc/hostname' };
  if (REDHAT_DISTROS.includes(distro)) return { kind: 'redhat' };
  if (distro === 'alpine') return byUse['alpine']!;
  if (distro === 'gentoo') return { kind: 'openrc' };
  throw new ModuleFailure(`hostname module cannot be used on platform Linux (${distro || 'unknown'})`);
}

interface HostnameState {
  strategy: Strategy;
  current: string;
  permanent: string;
  /** The whole file of the redhat/openrc strategies. */
  fileText: string;
  /** socket.getfqdn() of the running name, for the facts. */
  fqdn: string;
}

const PERM_FILE: Record<string, string> = { redhat: '/etc/sysconfig/network', openrc: '/etc/conf.d/hostname' };

function permanentOf(s: Strategy, text: string, fileExists: boolean): string {
  if (s.kind === 'file') return fileExists ? text.trim() : '';
  if (s.kind === 'redhat') {
    const l = text.split('\n').map((x) => x.trim()).find((x) => x.startsWith('HOSTNAME'));
    if (l === undefined) throw new ModuleFailure('Unable to locate HOSTNAME entry in /etc/sysconfig/network');
    return (l.split('=')[1] ?? '').trim();
  }
  const l = text.split('\n').map((x) => x.trim()).find((x) => x.startsWith('hostname='));
  return l === undefined ? '' : l.slice(10).replace(/^"+|"+$/g, '');
}

async function read(ctx: ModuleContext, use: string | undefined): Promise<HostnameState> {
  const r = await sh(ctx, [
    'echo @@id; (. /etc/os-release 2>/dev/null; echo "$ID")',
    'echo @@systemd; if command -v systemctl >/dev/null 2>&1 && { [ -e /run/systemd/system/ ] || [ -e /dev/.run/systemd/ ] || [ -e /dev/.systemd/ ]; }; then echo yes; fi',
    'echo @@fqdn; hostname -f 2>/dev/null || hostname',
    'echo @@end',
  ].join('\n'));
  if (!r.stdout.includes('@@end')) throw new ModuleFailure(`hostname: ${why(r)}`);
  const s = sections(r.stdout);
  const fqdn = (s.get('fqdn') ?? '').trim();
  const strategy = strategyFor(use, (s.get('id') ?? '').trim().toLowerCase(), (s.get('systemd') ?? '').trim() === 'yes');
  if (strategy.kind === 'systemd') {
    const q = await sh(ctx, 'echo @@t; hostnamectl --transient status || exit 1; echo @@s; hostnamectl --static status || exit 1; echo @@end');
    if (!q.stdout.includes('@@end')) throw new ModuleFailure(`Command failed rc=${q.rc}, out=${q.stdout}, err=${q.stderr}`);
    const t = sections(q.stdout);
    return { strategy, current: (t.get('t') ?? '').trim(), permanent: (t.get('s') ?? '').trim(), fileText: '', fqdn };
  }
  const file = strategy.kind === 'file' ? strategy.file : PERM_FILE[strategy.kind]!;
  const st = await ctx.connection.stat(file);
  const text = st.exists && st.kind === 'file' ? (await ctx.connection.readFile(file)).toString('utf8') : '';
  const permanent = permanentOf(strategy, text, st.exists);
  // BaseStrategy: the current name of the file strategies is the permanent one (the running name is not looked at)
  return { strategy, current: permanent, permanent, fileText: text, fqdn };
}

interface HostnameChange {
  name: string;
  strategy: Strategy;
  setPermanent: boolean;
  setCurrent: boolean;
  fileText: string;
}

function openrcText(text: string, name: string): string {
  const lines = text.split('\n').map((x) => x.trim());
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const i = lines.findIndex((l) => l.startsWith('hostname='));
  if (i >= 0) lines[i] = `hostname="${name}"`;
  return `${lines.join('\n')}\n`;
}

function redhatText(text: string, name: string): string {
  let found = false;
  const lines = (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).map((l) => (l.trim().startsWith('HOSTNAME') ? ((found = true), `HOSTNAME=${name}\n`) : l));
  if (!found) lines.push(`HOSTNAME=${name}\n`);
  return lines.join('');
}

async function writePermanent(ctx: ModuleContext, c: HostnameChange): Promise<void> {
  const s = c.strategy;
  if (s.kind === 'systemd') {
    const r = await sh(ctx, `hostnamectl --pretty --static set-hostname ${shellQuote(c.name)}`);
    if (r.rc !== 0) throw new ModuleFailure(`Command failed rc=${r.rc}, out=${r.stdout}, err=${r.stderr}`);
    return;
  }
  const file = s.kind === 'file' ? s.file : PERM_FILE[s.kind]!;
  const content = s.kind === 'file' ? `${c.name}\n` : s.kind === 'redhat' ? redhatText(c.fileText, c.name) : openrcText(c.fileText, c.name);
  const st = await ctx.connection.stat(file);
  await ctx.connection.writeFile(file, content, { mode: st.exists && st.mode !== undefined ? st.mode : 0o644, existing: st });
}

export const hostname = defineModule({
  name: 'hostname',
  target: 'remote',
  checkMode: 'full',
  description: 'Set the host name (hostnamectl, or the distribution\'s file), and the hostname facts, as ansible.builtin.hostname.',
  args: {
    name: { type: 'str', required: true, description: 'The host name.' },
    use: { type: 'str', choices: USE, description: 'The strategy; default: systemd where systemd runs, else by distribution (Debian: /etc/hostname only).' },
  },
  validate(a) {
    return a.name.length > 64 && (a.use === 'systemd' || a.use === 'debian') ? ['name cannot be longer than 64 characters on systemd servers, try a shorter name'] : [];
  },
  check: (ctx, a) => read(ctx, a.use),
  plan(st, a): Plan<HostnameChange> {
    const facts = { ansible_hostname: a.name.split('.')[0], ansible_nodename: a.name, ansible_fqdn: st.fqdn, ansible_domain: st.fqdn.split('.').slice(1).join('.') };
    const setPermanent = st.permanent !== a.name;
    const setCurrent = st.current !== a.name;
    if (!setPermanent && !setCurrent) return { ok: true, reason: `hostname already ${a.name}`, data: { name: a.name }, facts };
    const before = a.name !== st.current ? st.current : st.permanent;
    return {
      change: { name: a.name, strategy: st.strategy, setPermanent, setCurrent, fileText: st.fileText },
      summary: `hostname ${before} → ${a.name}`,
      diff: [{ path: 'hostname', before: `hostname = ${before}\n`, after: `hostname = ${a.name}\n` }],
      data: { name: a.name },
      facts,
    };
  },
  async apply(ctx, c) {
    const s = c.strategy;
    // systemd sets the permanent name first (NetworkManager); the others current, then permanent
    if (s.kind === 'systemd') {
      if (c.setPermanent) await writePermanent(ctx, c);
      if (c.setCurrent) {
        const r = await sh(ctx, `hostnamectl --transient set-hostname ${shellQuote(c.name)}`);
        if (r.rc !== 0) throw new ModuleFailure(`Command failed rc=${r.rc}, out=${r.stdout}, err=${r.stderr}`);
      }
    } else if (c.setPermanent) {
      // BaseStrategy order: current, then permanent. AlpineStrategy's current step is `hostname -F`
      // of the file as it still is, before the new name is written (so, as with Ansible, the running
      // name becomes the file's old one)
      if (s.kind === 'file' && s.reload) {
        const r = await sh(ctx, `hostname -F ${shellQuote(s.file)}`);
        if (r.rc !== 0) throw new ModuleFailure(`Command failed rc=${r.rc}, out=${r.stdout}, err=${r.stderr}`);
      }
      await writePermanent(ctx, c);
    }
  },
});
