/**
 * dnf and yum: RPM packages with dnf/yum and rpm on the host (no Python there). As ansible-core
 * 2.14's dnf and yum modules: present/installed, latest, absent/removed, package specs as rpm and
 * dnf take them (name, name-version, name-version-release), update_cache, update_only,
 * autoremove, repositories, excludes. One state query (rpm -q, check-update for latest); --check
 * and --diff preview with --assumeno. What this cannot test on Debian machines is listed in
 * docs/PACKAGES.md.
 */
import { shellQuote } from '../connection/connection.js';
import { parseCheckUpdate, parseNoMatch, parseRpmQuery, parseTransaction, RPM_QF, rpmCommand, type RpmOp, type RpmOptions } from './lib/rpm.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  name: { type: 'list', elements: 'str', aliases: ['pkg', 'package'] },
  state: { type: 'str', choices: ['absent', 'present', 'installed', 'removed', 'latest'] },
  update_cache: { type: 'bool', default: false, aliases: ['expire-cache'] },
  update_only: { type: 'bool', default: false },
  enablerepo: { type: 'list', elements: 'str', default: [] },
  disablerepo: { type: 'list', elements: 'str', default: [] },
  exclude: { type: 'list', elements: 'str', default: [] },
  conf_file: { type: 'str' },
  disable_gpg_check: { type: 'bool', default: false },
  installroot: { type: 'str', default: '/' },
  releasever: { type: 'str' },
  autoremove: { type: 'bool', default: false },
  security: { type: 'bool', default: false },
  bugfix: { type: 'bool', default: false },
  download_only: { type: 'bool', default: false },
  allow_downgrade: { type: 'bool', default: false },
  nobest: { type: 'bool', default: false },
  allowerasing: { type: 'bool', default: false },
  install_weak_deps: { type: 'bool', default: true },
  cacheonly: { type: 'bool', default: false },
  lock_timeout: { type: 'int', default: 30 },
} as const;

export type RpmArgs = ArgsOf<typeof ARGS>;
type Bin = 'dnf' | 'yum';

export interface RpmState {
  installed: Map<string, string>;
  missing: string[];
  updates: Map<string, string>;
  /** --assumeno output of the planned command (check/diff mode, and autoremove). */
  preview?: string;
}

export interface RpmChange {
  script: string;
  results: string[];
}

function options(a: RpmArgs): RpmOptions {
  return {
    disableGpgCheck: a.disable_gpg_check,
    enablerepo: a.enablerepo,
    disablerepo: a.disablerepo,
    exclude: a.exclude,
    ...(a.installroot !== '/' ? { installroot: a.installroot } : {}),
    ...(a.conf_file ? { confFile: a.conf_file } : {}),
    ...(a.releasever ? { releasever: a.releasever } : {}),
    allowDowngrade: a.allow_downgrade,
    allowErasing: a.allowerasing,
    noBest: a.nobest,
    installWeakDeps: a.install_weak_deps,
    securityOnly: a.security,
    bugfixOnly: a.bugfix,
    cacheOnly: a.cacheonly,
    downloadOnly: a.download_only,
  };
}

/** state as Ansible resolves it: installed → present, removed → absent; default present (latest with no names: update all). */
const stateOf = (a: RpmArgs): 'present' | 'absent' | 'latest' => (a.state === 'installed' || a.state === undefined ? 'present' : a.state === 'removed' ? 'absent' : a.state);

const baseName = (spec: string): string => spec.replace(/-[0-9][^-]*(-[^-]+)?$/, '');

/** The operations to run, in order: what is missing is installed, what is old is upgraded, what is there is removed. */
export function rpmOps(st: RpmState, a: RpmArgs): { op: RpmOp; specs: string[] }[] {
  const names = a.name ?? [];
  const state = stateOf(a);
  if (names.length === 0) {
    if (state === 'latest' && !a.autoremove) return st.updates.size ? [{ op: 'upgrade', specs: [] }] : [];
    return a.autoremove && st.preview !== undefined && parseTransaction(st.preview).length ? [{ op: 'autoremove', specs: [] }] : [];
  }
  const missing = names.filter((n) => st.missing.includes(n));
  if (state === 'absent') {
    const present = names.filter((n) => !st.missing.includes(n));
    return present.length ? [{ op: 'remove', specs: present }] : [];
  }
  const ops: { op: RpmOp; specs: string[] }[] = [];
  if (missing.length && !a.update_only) ops.push({ op: 'install', specs: missing });
  if (state === 'latest') {
    const old = names.filter((n) => !st.missing.includes(n) && st.updates.has(baseName(n)));
    if (old.length) ops.push({ op: 'upgrade', specs: old });
  }
  return ops;
}

export function rpmPlan(bin: Bin, st: RpmState, a: RpmArgs): Plan<RpmChange> {
  const what = `${bin}(${(a.name ?? []).join(', ') || stateOf(a)})`;
  if (st.preview !== undefined) {
    const nomatch = parseNoMatch(st.preview);
    if (nomatch.length) throw new ModuleFailure(`${what}: Failed to install some of the specified packages: ${nomatch.map((n) => `No package ${n} available.`).join(' ')}`, { failures: nomatch.map((n) => `No package ${n} available.`), results: [], rc: 1 });
  }
  const ops = rpmOps(st, a);
  if (ops.length === 0) return { ok: true, reason: 'Nothing to do', data: { msg: 'Nothing to do', results: [], rc: 0 } };
  const o = options(a);
  const verb: Record<string, string> = { install: 'Installed', upgrade: 'Upgraded', remove: 'Removed', autoremove: 'Removed', downgrade: 'Downgraded', makecache: 'Cache updated' };
  const results = ops.flatMap(({ op, specs }) => (specs.length ? specs.map((s) => `${verb[op]}: ${s}`) : [`${verb[op]}: all`]));
  const steps = st.preview !== undefined ? parseTransaction(st.preview) : [];
  const diff = steps.length ? [{ path: 'packages', before: steps.map((s) => `${s.name} ${s.op === 'Installing' ? '(not installed)' : (st.installed.get(s.name) ?? '')}\n`).join(''), after: steps.map((s) => `${s.name} ${s.op === 'Removing' ? '(removed)' : s.version}\n`).join('') }] : undefined;
  return {
    change: { script: ops.map(({ op, specs }) => rpmCommand(bin, op, specs, { ...o, allowDowngrade: a.allow_downgrade })).join(' && '), results },
    summary: results.join(', '),
    ...(diff ? { diff } : {}),
    data: { results },
  };
}

/** The state query: rpm -q of each spec, check-update for latest, the cache refresh when asked (not in --check). */
export function rpmReadScript(bin: Bin, a: RpmArgs, checkMode: boolean): string {
  const names = a.name ?? [];
  const lines = [`command -v ${bin} >/dev/null 2>&1 || { echo "@@nobin"; exit 0; }`];
  if (a.update_cache && !checkMode) lines.push(`${rpmCommand(bin, 'makecache', [], options(a))} >/dev/null 2>&1 || echo "@@makecache-failed"`);
  if (names.length) lines.push(`echo "@@rpm"; rpm -q --qf '${RPM_QF}' -- ${names.map((n) => shellQuote(n)).join(' ')} 2>&1`);
  if (stateOf(a) === 'latest') lines.push(`echo "@@updates"; ${bin} -q check-update ${names.map((n) => shellQuote(baseName(n))).join(' ')} 2>&1; echo "@@rc $?"`);
  if (!names.length && a.autoremove) lines.push(`echo "@@preview"; ${rpmCommand(bin, 'autoremove', [], options(a), true)} 2>&1`);
  lines.push('true');
  return lines.join('\n');
}

function section(out: string, name: string): string {
  const at = out.indexOf(`@@${name}\n`);
  if (at < 0) return '';
  const rest = out.slice(at + name.length + 3);
  const next = rest.search(/^@@/m);
  return next < 0 ? rest : rest.slice(0, next);
}

export function rpmReadState(bin: Bin, a: RpmArgs, out: string): RpmState {
  if (out.includes('@@nobin')) throw new ModuleFailure(`${bin}: ${bin} not found on this host (use apt, or package: with the host's manager)`);
  const rc = Number(/^@@rc (\d+)$/m.exec(out)?.[1] ?? 0);
  if (rc !== 0 && rc !== 100 && /^@@updates$/m.test(out)) throw new ModuleFailure(`${bin}: check-update failed: ${section(out, 'updates').trim()}`);
  const { installed, missing } = parseRpmQuery(section(out, 'rpm'));
  const st: RpmState = { installed, missing, updates: parseCheckUpdate(section(out, 'updates')) };
  if (/^@@preview$/m.test(out)) st.preview = section(out, 'preview');
  return st;
}

async function exec(ctx: ModuleContext, script: string): Promise<{ rc: number; stdout: string; stderr: string }> {
  return ctx.connection.exec(script, { env: { LANG: 'C', LC_ALL: 'C' }, ...(ctx.become ? { become: ctx.become } : {}) });
}

function rpmModule<N extends Bin>(def: { name: N }) {
  const bin = def.name;
  return defineModule({
    name: bin,
    target: 'remote',
    checkMode: 'full',
    args: ARGS,
    validate(a) {
      if (!(a.name?.length ?? 0) && !a.update_cache && !a.autoremove && a.state !== 'latest') return ['one of the following is required: name, update_cache, autoremove (or state=latest to update all)'];
      if (a.autoremove && (a.name?.length ?? 0) && stateOf(a) !== 'absent') return ['autoremove with names needs state=absent'];
      return (a.name ?? []).filter((n) => /[<>]=?|\s/.test(n)).map((n) => `"${n}": version comparisons in names are not supported; give name-version`);
    },
    async check(ctx, a): Promise<RpmState> {
      const r = await exec(ctx, rpmReadScript(bin, a, ctx.checkMode));
      const st = rpmReadState(bin, a, r.stdout);
      if ((ctx.checkMode || ctx.diffMode) && st.preview === undefined) {
        const ops = rpmOps(st, a);
        if (ops.length) st.preview = (await exec(ctx, `${ops.map(({ op, specs }) => rpmCommand(bin, op, specs, options(a), true)).join('; ')} 2>&1`)).stdout;
      }
      return st;
    },
    plan: (st, a) => rpmPlan(bin, st, a),
    async apply(ctx, c) {
      const r = await exec(ctx, c.script);
      const out = `${r.stdout}\n${r.stderr}`;
      const nomatch = parseNoMatch(out);
      if (nomatch.length) throw new ModuleFailure(`${bin}: Failed to install some of the specified packages: ${nomatch.map((n) => `No package ${n} available.`).join(' ')}`, { failures: nomatch.map((n) => `No package ${n} available.`), results: [], rc: 1 });
      if (r.rc !== 0) throw new ModuleFailure(`${bin}: '${c.script}' failed: ${r.stderr.trim() || `rc ${r.rc}`}`, { rc: r.rc, stdout: r.stdout, stderr: r.stderr, results: [] });
      return { msg: '', rc: 0, results: c.results, stdout: r.stdout, stderr: r.stderr };
    },
  });
}

export const dnf = rpmModule({
  name: 'dnf',
});
export const yum = rpmModule({
  name: 'yum',
});
