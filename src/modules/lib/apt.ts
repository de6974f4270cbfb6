/**
 * The apt module's reading and deciding, pure: the host's answers (dpkg-query, apt-cache policy,
 * apt-get --simulate) parsed, and which packages to install or remove, as ansible-core 2.14's
 * apt module decides (package_status, install, remove), with apt-get command lines as it builds them.
 */
import { shellQuote } from '../../connection/connection.js';
import { compareDebVersions, fnmatch, splitPkgSpec, type PkgSpec } from './debversion.js';

/** What the host knows of one package. */
export interface AptPackage {
  name: string;
  /** Installed version (dpkg's current state "installed"), else undefined. */
  installed?: string;
  /** dpkg still has files of it (installed, or removed with its conffiles left). */
  hasFiles: boolean;
  /** apt or dpkg knows the name (a block in `apt-cache policy`, a line of dpkg-query). */
  known: boolean;
  /** dpkg has a record of it. */
  inDpkg: boolean;
  candidate?: string;
  /** Versions apt can install, newest first. */
  versions: string[];
}

/** `dpkg-query -W -f '${Package}\t${db:Status-Abbrev}\t${Version}\n'` lines. */
export function parseDpkgStatus(text: string): Map<string, { abbrev: string; version: string }> {
  const out = new Map<string, { abbrev: string; version: string }>();
  for (const line of text.split('\n')) {
    const [name, abbrev, version] = line.split('\t');
    if (name && abbrev !== undefined) out.set(name, { abbrev: abbrev.trim(), version: version ?? '' });
  }
  return out;
}

/** `apt-cache policy NAME...`: per package its candidate and version table. */
export function parsePolicy(text: string): Map<string, { candidate?: string; versions: string[] }> {
  const out = new Map<string, { candidate?: string; versions: string[] }>();
  let cur: { candidate?: string; versions: string[] } | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      cur = { versions: [] };
      out.set(head[1]!, cur);
      continue;
    }
    if (!cur) continue;
    const cand = /^\s+Candidate: (.*)$/.exec(line);
    if (cand) {
      if (cand[1] !== '(none)') cur.candidate = cand[1]!.trim();
      continue;
    }
    const ver = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
    if (ver && !cur.versions.includes(ver[1]!)) cur.versions.push(ver[1]!);
  }
  return out;
}

/** The host's view of each name: dpkg status joined with apt's policy. */
export function aptPackages(names: string[], dpkgText: string, policyText: string): Map<string, AptPackage> {
  const dpkg = parseDpkgStatus(dpkgText);
  const policy = parsePolicy(policyText);
  const out = new Map<string, AptPackage>();
  for (const name of names) {
    const d = dpkg.get(name);
    const p = policy.get(name);
    // db:Status-Abbrev: desired, current, error flag; current "i" = installed, "c" = config-files only
    const current = d?.abbrev[1];
    const installed = current === 'i' ? d?.version : undefined;
    const versions = (p?.versions ?? []).filter((v) => v !== '');
    out.set(name, { name, ...(installed ? { installed } : {}), hasFiles: current !== undefined && current !== 'n', known: p !== undefined || d !== undefined, inDpkg: d !== undefined, ...(p?.candidate ? { candidate: p.candidate } : {}), versions });
  }
  return out;
}

/** The version apt would install for a spec (package_best_match): a `=` pin picks the newest matching version. */
function bestMatch(spec: PkgSpec, pkg: AptPackage): string | undefined {
  if (spec.cmp === '=') return pkg.versions.find((v) => fnmatch(v, spec.version ?? ''));
  return pkg.candidate;
}

export type InstallDecision = { skip: string } | { install: string } | { fail: string };

/** ansible apt's install() for one spec: what to ask apt-get for, or why not. */
export function decideInstall(raw: string, pkg: AptPackage | undefined, opts: { upgrade: boolean; onlyUpgrade: boolean }): InstallDecision {
  const spec = splitPkgSpec(raw);
  if (!pkg || !pkg.known) return { fail: `No package matching '${spec.name}' is available` };
  if (!pkg.inDpkg && pkg.versions.length === 0 && !pkg.candidate) {
    // a virtual package: apt-get decides what provides it
    return opts.onlyUpgrade ? { skip: `${spec.name} is not installed` } : { install: shellQuote(spec.name) };
  }
  const best = bestMatch(spec, pkg);
  let versionOk = false;
  let installable: string | undefined;
  if (pkg.installed !== undefined) {
    const inst = pkg.installed;
    if (spec.cmp === '=') versionOk = fnmatch(inst, spec.version ?? '');
    else if (spec.cmp === '>=') versionOk = compareDebVersions(inst, spec.version ?? '') >= 0;
    else versionOk = true;
    const fits = best !== undefined && (spec.cmp === '=' ? fnmatch(best, spec.version ?? '') : spec.cmp === '>=' ? compareDebVersions(best, spec.version ?? '') >= 0 : true);
    if (best !== undefined && best !== inst && fits) installable = best;
  } else installable = best;
  if (pkg.installed === undefined && opts.onlyUpgrade) return { skip: `${spec.name} is not installed (only_upgrade)` };
  if (!versionOk && !installable) return { fail: `no available installation candidate for ${raw}` };
  if (installable && (pkg.installed === undefined || opts.upgrade || !versionOk)) return { install: shellQuote(`${spec.name}=${installable}`) };
  if (pkg.installed !== undefined && installable && spec.cmp === '=') return { install: shellQuote(`${spec.name}=${spec.version}`) };
  if (opts.upgrade) return { skip: `${spec.name} ${pkg.installed} is the newest version` };
  return { skip: `${spec.name} ${pkg.installed} is installed` };
}

/** ansible apt's remove() for one spec: remove when installed (in the version asked), purge when files remain. */
export function decideRemove(raw: string, pkg: AptPackage | undefined, purge: boolean): boolean {
  const spec = splitPkgSpec(raw);
  if (!pkg || pkg.installed === undefined) return purge && (pkg?.hasFiles ?? false);
  if (spec.cmp === '=') return fnmatch(pkg.installed, spec.version ?? '') || (purge && pkg.hasFiles);
  if (spec.cmp === '>=') return compareDebVersions(pkg.installed, spec.version ?? '') >= 0 || (purge && pkg.hasFiles);
  return true;
}

/** One line of `apt-get --simulate`: Inst/Remv/Purg with the old and new version. */
export interface SimStep {
  op: 'Inst' | 'Remv' | 'Purg';
  name: string;
  from?: string;
  to?: string;
}

/** "Inst hello [1.0] (1.1 lab [all])", "Remv tmux [3.3a-3]". */
export function parseSimulation(out: string): SimStep[] {
  const steps: SimStep[] = [];
  for (const line of out.split('\n')) {
    const m = /^(Inst|Remv|Purg) (\S+)(?: \[([^\]]+)\])?(?: \((\S+))?/.exec(line);
    if (m) steps.push({ op: m[1] as SimStep['op'], name: m[2]!, ...(m[3] ? { from: m[3] } : {}), ...(m[4] ? { to: m[4] } : {}) });
  }
  return steps;
}

/** Before/after listings of the packages a simulation touches (the --diff of apt). */
export function simulationDiff(steps: SimStep[]): { before: string; after: string } {
  const before = steps.map((s) => `${s.name} ${s.from ?? '(not installed)'}\n`).join('');
  const after = steps.map((s) => `${s.name} ${s.op === 'Inst' ? (s.to ?? '') : s.op === 'Purg' ? '(purged)' : '(removed)'}\n`).join('');
  return { before, after };
}

/** Ansible's parse_diff: apt-get's output from "Reading state information..." to "N upgraded, ...". */
export function preparedDiff(out: string): string {
  const lines = out.split('\n');
  const start = lines.indexOf('Reading state information...') + 1;
  const endIdx = lines.findIndex((l) => /^[0-9]+ (packages )?upgraded/.test(l));
  return lines.slice(start, endIdx < 0 ? lines.length : endIdx + 1).join('\n');
}

/** The options apt-get gets for each operation, in Ansible's order. */
export interface AptGetOptions {
  dpkgOptions: string;
  force: boolean;
  autoremove: boolean;
  failOnAutoremove: boolean;
  onlyUpgrade: boolean;
  fixed: boolean;
  defaultRelease?: string;
  installRecommends?: boolean;
  allowUnauthenticated: boolean;
  allowDowngrade: boolean;
  allowChangeHeld: boolean;
  purge: boolean;
  lockTimeout: number;
}

export const dpkgOptionArgs = (compressed: string): string =>
  compressed
    .split(',')
    .filter((o) => o.trim())
    .map((o) => `-o "Dpkg::Options::=--${o.trim()}"`)
    .join(' ');

const join = (parts: (string | false | undefined)[]): string => parts.filter((p): p is string => !!p).join(' ');

/** apt-get install as ansible apt builds it (with --simulate for check mode and --diff previews). */
export function installCommand(pkgs: string[], o: AptGetOptions, simulate: boolean): string {
  return join([
    'apt-get -y',
    `-o DPkg::Lock::Timeout=${o.lockTimeout}`,
    dpkgOptionArgs(o.dpkgOptions),
    o.onlyUpgrade && '--only-upgrade',
    o.fixed && '--fix-broken',
    o.force && '--force-yes',
    o.autoremove && '--auto-remove',
    o.failOnAutoremove && '--no-remove',
    simulate && '--simulate',
    'install',
    ...pkgs,
    o.defaultRelease !== undefined && `-t ${shellQuote(o.defaultRelease)}`,
    o.installRecommends === false && '-o APT::Install-Recommends=no',
    o.installRecommends === true && '-o APT::Install-Recommends=yes',
    o.allowUnauthenticated && '--allow-unauthenticated',
    o.allowDowngrade && '--allow-downgrades',
    o.allowChangeHeld && '--allow-change-held-packages',
  ]);
}

export function removeCommand(pkgs: string[], o: AptGetOptions, simulate: boolean): string {
  return join(['apt-get -q -y', `-o DPkg::Lock::Timeout=${o.lockTimeout}`, dpkgOptionArgs(o.dpkgOptions), o.purge && '--purge', o.force && '--force-yes', o.autoremove && '--auto-remove', simulate && '--simulate', 'remove', ...pkgs]);
}

/** upgrade=yes|safe → upgrade --with-new-pkgs, dist|full → dist-upgrade (apt-get, as force_apt_get). */
export function upgradeCommand(mode: string, o: AptGetOptions, simulate: boolean): string {
  const op = mode === 'dist' || mode === 'full' ? 'dist-upgrade' : 'upgrade --with-new-pkgs';
  return join(['apt-get -y', `-o DPkg::Lock::Timeout=${o.lockTimeout}`, dpkgOptionArgs(o.dpkgOptions), o.force && '--force-yes', o.autoremove && '--auto-remove', o.failOnAutoremove && '--no-remove', o.allowUnauthenticated && '--allow-unauthenticated', o.allowDowngrade && '--allow-downgrades', simulate && '--simulate', op]);
}

export function cleanupCommand(op: 'autoremove' | 'autoclean', o: AptGetOptions, simulate: boolean): string {
  return join(['apt-get -y', `-o DPkg::Lock::Timeout=${o.lockTimeout}`, dpkgOptionArgs(o.dpkgOptions), o.purge && '--purge', o.force && '--force-yes', op, simulate && '--simulate']);
}

/** apt-get's "nothing to do" line. */
export const nothingToDo = (out: string): boolean => /(^|\n)0 upgraded, 0 newly installed, 0 to remove/.test(out);

/** Names of specs ("nginx=1.2" → "nginx"). */
export const specNames = (specs: string[]): string[] => specs.map((s) => splitPkgSpec(s).name);
