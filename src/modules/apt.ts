/**
 * apt: Debian packages with apt-get, apt-cache and dpkg-query on the host (no Python there). As
 * ansible-core 2.14's apt module: present/latest/absent/fixed, name=version pins, deb files,
 * update_cache/cache_valid_time, upgrade, autoremove, purge; check mode and --diff from
 * `apt-get --simulate`. The cache update runs with the state query (like systemd's daemon-reload:
 * not a change of the host's packages; what to install depends on it) and never in --check.
 */
import { shellQuote } from '../connection/connection.js';
import { compareDebVersions } from './lib/debversion.js';
import type { AptPackage } from './lib/apt.js';
import { aptPackages, cleanupCommand, decideInstall, decideRemove, installCommand, nothingToDo, parseSimulation, preparedDiff, removeCommand, simulationDiff, specNames, upgradeCommand, type AptGetOptions } from './lib/apt.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  name: { type: 'list', elements: 'str', aliases: ['package', 'pkg'] },
  state: { type: 'str', default: 'present', choices: ['absent', 'fixed', 'latest', 'present'] },
  update_cache: { type: 'bool', aliases: ['update-cache'] },
  update_cache_retries: { type: 'int', default: 5 },
  update_cache_retry_max_delay: { type: 'int', default: 12 },
  cache_valid_time: { type: 'int', default: 0 },
  purge: { type: 'bool', default: false },
  deb: { type: 'path' },
  default_release: { type: 'str', aliases: ['default-release'] },
  install_recommends: { type: 'bool', aliases: ['install-recommends'] },
  force: { type: 'bool', default: false },
  upgrade: { type: 'str', choices: ['dist', 'full', 'no', 'safe', 'yes'] },
  dpkg_options: { type: 'str', default: 'force-confdef,force-confold' },
  autoremove: { type: 'bool', default: false },
  autoclean: { type: 'bool', default: false },
  fail_on_autoremove: { type: 'bool', default: false },
  only_upgrade: { type: 'bool', default: false },
  force_apt_get: { type: 'bool', default: false },
  allow_unauthenticated: { type: 'bool', default: false, aliases: ['allow-unauthenticated'] },
  allow_downgrade: { type: 'bool', default: false, aliases: ['allow-downgrade', 'allow_downgrades', 'allow-downgrades'] },
  allow_change_held_packages: { type: 'bool', default: false },
  lock_timeout: { type: 'int', default: 60 },
} as const;

export type AptArgs = ArgsOf<typeof ARGS>;

/** What check() read: the cache stamps, each named package, the deb file, a simulation. */
export interface AptState {
  cacheUpdated: boolean;
  cacheUpdateTime: number;
  packages: Record<string, AptPackage>;
  deb?: { path: string; name: string; version: string; installed?: string };
  /** apt-get --simulate of the operation (check/diff mode, and always for upgrade/autoremove). */
  simulation?: string;
}

export interface AptChange {
  label: string;
  /** The script to run; empty when the change was the cache update check() already made. */
  script: string;
}

export const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', DEBIAN_PRIORITY: 'critical', LANG: 'C', LC_ALL: 'C', LC_MESSAGES: 'C', LC_CTYPE: 'C' };

const label = (args: AptArgs): string => (args.name?.length ? args.name.join(', ') : args.deb ?? (upgradeMode(args) ? `upgrade=${args.upgrade}` : 'cache'));

function options(a: AptArgs): AptGetOptions {
  return {
    dpkgOptions: a.dpkg_options,
    force: a.force,
    autoremove: a.autoremove,
    failOnAutoremove: a.fail_on_autoremove,
    onlyUpgrade: a.only_upgrade,
    fixed: a.state === 'fixed',
    ...(a.default_release !== undefined ? { defaultRelease: a.default_release } : {}),
    ...(a.install_recommends !== undefined ? { installRecommends: a.install_recommends } : {}),
    allowUnauthenticated: a.allow_unauthenticated,
    allowDowngrade: a.allow_downgrade,
    allowChangeHeld: a.allow_change_held_packages,
    purge: a.purge,
    lockTimeout: a.lock_timeout,
  };
}

/** What the task does: nothing (why), a command (built for a real run or a simulation), or a failure. */
export type AptDecision = { ok: string } | { fail: string } | { command: (simulate: boolean) => string; summary: string; names: string[]; fromSimulation?: boolean };

/** upgrade, unless absent or "no". */
const upgradeMode = (args: AptArgs): string | undefined => (args.upgrade === undefined || args.upgrade === 'no' ? undefined : args.upgrade);

function packageNames(args: AptArgs): string[] {
  return (args.name ?? []).map((n) => n.trim()).filter((n) => n !== '*');
}

/** ansible apt's main(), after the cache update: what to do with this state. */
export function decide(st: AptState, args: AptArgs): AptDecision {
  const o = options(args);
  const up = upgradeMode(args);
  if (up) return { command: (s) => upgradeCommand(up, o, s), summary: `apt-get ${up === 'dist' || up === 'full' ? 'dist-upgrade' : 'upgrade'}`, names: [], fromSimulation: true };
  if (args.deb !== undefined) return decideDeb(st, args, o);
  const names = packageNames(args);
  if ((args.name ?? []).includes('*') && args.state === 'latest') {
    if (names.length) return { fail: 'unable to install additional packages when upgrading all installed packages' };
    return { command: (s) => upgradeCommand('yes', o, s), summary: 'apt-get upgrade', names: [], fromSimulation: true };
  }
  const bad = names.find((n) => (n.match(/=/g) ?? []).length > 1);
  if (bad) return { fail: `invalid package spec: ${bad}` };
  if (names.length === 0) {
    if (args.autoremove) return { command: (s) => cleanupCommand('autoremove', o, s), summary: 'apt-get autoremove', names: [], fromSimulation: true };
    if (st.cacheUpdated) return { command: () => '', summary: 'apt cache updated', names: [] };
    return { ok: st.cacheUpdateTime ? 'apt cache is valid' : 'nothing to do' };
  }
  if (args.state === 'absent') {
    const pkgs = names.filter((n) => decideRemove(n, st.packages[n.split(/>?=/)[0]!], args.purge));
    if (pkgs.length === 0) return { ok: `${names.join(', ')}: not installed` };
    return { command: (s) => removeCommand(pkgs.map((p) => shellQuote(p)), o, s), summary: `${args.purge ? 'purge' : 'remove'} ${pkgs.join(', ')}`, names: pkgs };
  }
  const install: string[] = [];
  const reasons: string[] = [];
  for (const n of names) {
    const d = decideInstall(n, st.packages[n.split(/>?=/)[0]!], { upgrade: args.state === 'latest', onlyUpgrade: args.only_upgrade });
    if ('fail' in d) return d;
    if ('install' in d) install.push(d.install);
    else reasons.push(d.skip);
  }
  if (install.length === 0 && args.state !== 'fixed') return { ok: reasons.join(', ') };
  const marks = specNames(names).map((n) => shellQuote(n)).join(' ');
  return {
    command: (s) => (s ? installCommand(install, o, true) : `${installCommand(install, o, false)} && apt-mark manual ${marks} >/dev/null`),
    summary: `install ${install.map((p) => p.replace(/'/g, '')).join(', ')}`,
    names: install,
  };
}

function decideDeb(st: AptState, args: AptArgs, o: AptGetOptions): AptDecision {
  if (args.state !== 'present') return { fail: 'deb only supports state=present' };
  const deb = st.deb;
  if (!deb) return { fail: `cannot read ${args.deb}` };
  if (deb.installed !== undefined) {
    const cmp = compareDebVersions(deb.version, deb.installed);
    if (cmp === 0) return { ok: `${deb.name} ${deb.version} is installed` };
    if (cmp < 0 && !args.allow_downgrade && !args.force) return { fail: `A later version is already installed (${deb.name} ${deb.installed}; ${args.deb} has ${deb.version})` };
  }
  const path = deb.path.startsWith('/') ? deb.path : `./${deb.path}`;
  return { command: (s) => installCommand([shellQuote(path)], { ...o, allowDowngrade: o.allowDowngrade || o.force }, s), summary: `install ${deb.name} ${deb.version} from ${args.deb}`, names: [deb.name] };
}

export function aptPlan(st: AptState, args: AptArgs): Plan<AptChange> {
  const data = { cache_updated: st.cacheUpdated, cache_update_time: st.cacheUpdateTime };
  const d = decide(st, args);
  if ('ok' in d) return { ok: true, reason: d.ok, data: { ...data, stdout: '', stderr: '' } };
  if ('fail' in d) throw new ModuleFailure(d.fail, data);
  if (d.fromSimulation && st.simulation !== undefined && nothingToDo(st.simulation)) return { ok: true, reason: `${d.summary}: nothing to do`, data: { ...data, stdout: st.simulation, stderr: '' } };
  const steps = st.simulation !== undefined ? parseSimulation(st.simulation) : [];
  const diff = steps.length ? [{ path: 'packages', ...simulationDiff(steps) }] : undefined;
  const extra = st.simulation !== undefined ? { stdout: st.simulation, stderr: '', prepared: preparedDiff(st.simulation) } : {};
  return { change: { label: label(args), script: d.command(false) }, summary: d.summary, ...(diff ? { diff } : {}), data: { ...data, ...extra } };
}

async function exec(ctx: ModuleContext, script: string): Promise<{ rc: number; stdout: string; stderr: string }> {
  return ctx.connection.exec(script, { env: APT_ENV, ...(ctx.become ? { become: ctx.become } : {}) });
}

export const apt = defineModule({
  name: 'apt',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  mutuallyExclusive: [['deb', 'name', 'upgrade']],
  validate(args) {
    const any = (args.name?.length ?? 0) > 0 || args.deb !== undefined || args.update_cache !== undefined || upgradeMode(args) !== undefined || args.autoremove;
    return any ? [] : ['one of the following is required: autoremove, deb, name, update_cache, upgrade'];
  },
  async check(ctx, args): Promise<AptState> {
    const r = await exec(ctx, readScript(args, ctx.checkMode));
    return readState(ctx, args, r);
  },
  plan: (st, args) => aptPlan(st, args),
  async apply(ctx, c) {
    if (c.script === '') return;
    const r = await exec(ctx, c.script);
    const out = { stdout: r.stdout, stderr: r.stderr, stdout_lines: r.stdout.split('\n').filter(Boolean) };
    if (r.rc !== 0) throw new ModuleFailure(`apt(${c.label}): '${c.script.replace(/ && apt-mark manual .*$/, '')}' failed: ${r.stderr.trim() || `rc ${r.rc}`}`, { ...out, rc: r.rc });
    return out;
  },
});

// The state query, one script: cache stamps (and the update when due), then dpkg-query and
// apt-cache policy for every named package, the deb file's fields, and a simulation for upgrade
// and autoremove (whose change is only known from apt-get's answer). Sections start with "@@".
function readScript(args: AptArgs, checkMode: boolean): string {
  const names = specNames(packageNames(args));
  const q = names.map((n) => shellQuote(n)).join(' ');
  const o = options(args);
  const lines = [
    'command -v apt-get >/dev/null 2>&1 || { echo "@@noapt"; exit 0; }',
    'stamp() { if [ -e /var/lib/apt/periodic/update-success-stamp ]; then stat -c %Y /var/lib/apt/periodic/update-success-stamp; elif [ -e /var/lib/apt/lists ]; then stat -c %Y /var/lib/apt/lists; else echo 0; fi; }',
    'b=$(stamp); now=$(date +%s); echo "@@stamp $b $now"',
  ];
  if (args.update_cache || args.cache_valid_time) {
    const retries = Math.max(1, args.update_cache_retries);
    lines.push(
      `if [ $((b + ${args.cache_valid_time})) -lt "$now" ]; then`,
      checkMode
        ? '  echo "@@update would"'
        : `  i=0; while :; do out=$(apt-get -q update 2>&1) && break; i=$((i+1)); if [ $i -ge ${retries} ]; then echo "@@updatefail"; printf '%s\\n' "$out"; exit 0; fi; d=$((1 << (i-1))); [ $d -gt ${args.update_cache_retry_max_delay} ] && d=${args.update_cache_retry_max_delay}; sleep $d; done; echo "@@update done $(stamp)"`,
      'fi',
    );
  }
  if (args.deb !== undefined) {
    const src = shellQuote(args.deb);
    if (args.deb.includes('://')) {
      lines.push(`f=$(mktemp /tmp/orchestrate-deb.XXXXXX.deb) && { curl -fsSL -o "$f" ${src} 2>/dev/null || wget -q -O "$f" ${src}; } || { echo "@@debfail download failed"; exit 0; }`);
    } else lines.push(`f=${src}; [ -r "$f" ] || { echo "@@debfail no such file"; exit 0; }`);
    lines.push('echo "@@debpath $f"; echo "@@debfields"; dpkg-deb -f "$f" Package Version 2>&1 || { echo "@@debfail not a debian package"; exit 0; }', 'p=$(dpkg-deb -f "$f" Package); echo "@@debinstalled $(dpkg-query -W -f \'${db:Status-Abbrev}\t${Version}\' "$p" 2>/dev/null)"');
  }
  if (names.length) lines.push(`echo "@@dpkg"; dpkg-query -W -f '\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' -- ${q} 2>/dev/null`, `echo "@@policy"; apt-cache ${args.default_release ? `-t ${shellQuote(args.default_release)} ` : ''}policy -- ${q} 2>/dev/null`);
  const up = upgradeMode(args);
  const simulate = up ? upgradeCommand(up, o, true) : (args.name ?? []).includes('*') && args.state === 'latest' ? upgradeCommand('yes', o, true) : names.length === 0 && args.deb === undefined && args.autoremove ? cleanupCommand('autoremove', o, true) : undefined;
  if (simulate) lines.push(`echo "@@simulation"; ${simulate} 2>&1`);
  lines.push('true');
  return lines.join('\n');
}

function section(out: string, name: string): string {
  const start = out.indexOf(`@@${name}\n`);
  if (start < 0) return '';
  const rest = out.slice(start + name.length + 3);
  const next = rest.search(/^@@/m);
  return next < 0 ? rest : rest.slice(0, next);
}

async function readState(ctx: ModuleContext, args: AptArgs, r: { rc: number; stdout: string; stderr: string }): Promise<AptState> {
  const out = r.stdout;
  const what = `apt(${label(args)})`;
  if (out.includes('@@noapt')) throw new ModuleFailure(`${what}: apt-get not found on this host (use dnf/yum, or package: with the host's manager)`);
  if (r.rc !== 0) throw new ModuleFailure(`${what}: reading the package state failed: ${r.stderr.trim() || `rc ${r.rc}`}`);
  const stamp = /^@@stamp (\d+) (\d+)$/m.exec(out);
  const updated = /^@@update (would|done (\d+))$/m.exec(out);
  if (out.includes('@@updatefail')) throw new ModuleFailure(`${what}: Failed to update apt cache: ${section(out, 'updatefail').trim() || 'unknown reason'}`);
  const before = Number(stamp?.[1] ?? 0);
  const after = updated?.[2] !== undefined ? Number(updated[2]) : before;
  const st: AptState = { cacheUpdated: updated?.[1] === 'would' || after !== before, cacheUpdateTime: after, packages: {} };
  const names = specNames(packageNames(args));
  for (const [n, p] of aptPackages(names, section(out, 'dpkg'), section(out, 'policy'))) st.packages[n] = p;
  if (args.deb !== undefined) st.deb = readDeb(out, args.deb, what);
  const sim = /^@@simulation$/m.test(out) ? section(out, 'simulation') : undefined;
  if (sim !== undefined) st.simulation = sim;
  else if (ctx.checkMode || ctx.diffMode) {
    const d = decide(st, args);
    if ('command' in d && d.command(true)) st.simulation = (await exec(ctx, `${d.command(true)} 2>&1`)).stdout;
  }
  return st;
}

function readDeb(out: string, deb: string, what: string): AptState['deb'] {
  const fail = /^@@debfail (.*)$/m.exec(out);
  if (fail) throw new ModuleFailure(`${what}: ${deb}: ${fail[1]}`);
  const fields = section(out, 'debfields');
  const get = (k: string): string => new RegExp(`^${k}: (.*)$`, 'm').exec(fields)?.[1]?.trim() ?? '';
  const inst = /^@@debinstalled (\S*)\t?(.*)$/m.exec(out);
  const installed = inst && inst[1]?.[1] === 'i' ? inst[2]!.trim() : undefined;
  return { path: /^@@debpath (.*)$/m.exec(out)?.[1] ?? deb, name: get('Package'), version: get('Version'), ...(installed ? { installed } : {}) };
}
