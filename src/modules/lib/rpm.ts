/**
 * dnf and yum, pure: the command lines the modules run and the parsing of rpm's and dnf's
 * answers (rpm -q, dnf/yum check-update, the "No match for argument" of install, a --assumeno
 * transaction summary). Written from the formats of rpm 4 / dnf 4 / yum 3.4; they cannot run on
 * the Debian machines this project is tested on (see docs/PACKAGES.md).
 */
import { shellQuote } from '../../connection/connection.js';

/** The query format: name, epoch:version-release, arch. */
export const RPM_QF = '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n';

/** `rpm -q --qf RPM_QF SPEC...`: installed specs (by the name rpm printed) and the specs it did not find. */
export function parseRpmQuery(out: string): { installed: Map<string, string>; missing: string[] } {
  const installed = new Map<string, string>();
  const missing: string[] = [];
  for (const line of out.split('\n')) {
    const miss = /^package (.+) is not installed$/.exec(line.trim());
    if (miss) missing.push(miss[1]!);
    else {
      const [name, evr, arch] = line.split('\t');
      if (name && evr && arch !== undefined) installed.set(name, `${evr.replace(/^0:/, '')}.${arch.trim()}`);
    }
  }
  return { installed, missing };
}

/**
 * `dnf check-update` / `yum check-update` (rc 100 when there are updates): "name.arch  version  repo"
 * lines, after an optional "Last metadata expiration check" line; "Obsoleting Packages" ends the list.
 */
export function parseCheckUpdate(out: string): Map<string, string> {
  const updates = new Map<string, string>();
  for (const line of out.split('\n')) {
    if (/^Obsoleting Packages/.test(line)) break;
    const m = /^(\S+)\.(\w+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (m && !/^(Last|Loaded|Security)/.test(line)) updates.set(m[1]!, m[3]!);
  }
  return updates;
}

/** The specs dnf/yum said it has no package for ("No match for argument: x", "No package x available."). */
export function parseNoMatch(out: string): string[] {
  const names = new Set<string>();
  for (const m of out.matchAll(/^No match for argument: (\S+)$/gm)) names.add(m[1]!);
  for (const m of out.matchAll(/^No package (\S+) available\.$/gm)) names.add(m[1]!);
  return [...names];
}

/** A --assumeno transaction: the packages under "Installing:", "Upgrading:", "Removing:", ... */
export function parseTransaction(out: string): { op: string; name: string; version: string }[] {
  const steps: { op: string; name: string; version: string }[] = [];
  let op = '';
  for (const line of out.split('\n')) {
    const head = /^(Installing|Upgrading|Updating|Removing|Erasing|Downgrading|Reinstalling)( dependencies| for dependencies| weak dependencies)?:$/.exec(line.trim());
    if (head) {
      op = head[1]!.replace('Updating', 'Upgrading').replace('Erasing', 'Removing');
      continue;
    }
    if (/^(Transaction Summary|Operation aborted|Exiting on user command)/.test(line.trim())) op = '';
    const pkg = /^\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s+\S+(?:\s+\S+)?$/.exec(line);
    if (op && pkg) steps.push({ op, name: pkg[1]!, version: pkg[3]! });
  }
  return steps;
}

export interface RpmOptions {
  disableGpgCheck: boolean;
  enablerepo: string[];
  disablerepo: string[];
  exclude: string[];
  installroot?: string;
  confFile?: string;
  releasever?: string;
  allowDowngrade: boolean;
  allowErasing: boolean;
  noBest: boolean;
  installWeakDeps: boolean;
  securityOnly: boolean;
  bugfixOnly: boolean;
  cacheOnly: boolean;
  downloadOnly: boolean;
}

/** The global options of a dnf/yum command. */
export function globalOptions(bin: 'dnf' | 'yum', o: RpmOptions): string[] {
  const q = (s: string): string => shellQuote(s);
  return [
    ...(o.disableGpgCheck ? ['--nogpgcheck'] : []),
    ...o.enablerepo.map((r) => `--enablerepo=${q(r)}`),
    ...o.disablerepo.map((r) => `--disablerepo=${q(r)}`),
    ...o.exclude.map((x) => `--exclude=${q(x)}`),
    ...(o.installroot ? [`--installroot=${q(o.installroot)}`] : []),
    ...(o.confFile ? [`--config=${q(o.confFile)}`] : []),
    ...(o.releasever ? [`--releasever=${q(o.releasever)}`] : []),
    ...(o.securityOnly ? ['--security'] : []),
    ...(o.bugfixOnly ? ['--bugfix'] : []),
    ...(o.cacheOnly ? ['--cacheonly'] : []),
    ...(o.downloadOnly ? ['--downloadonly'] : []),
    ...(bin === 'dnf' && o.allowErasing ? ['--allowerasing'] : []),
    ...(bin === 'dnf' && o.noBest ? ['--nobest'] : []),
    ...(bin === 'dnf' && !o.installWeakDeps ? ['--setopt=install_weak_deps=False'] : []),
  ];
}

export type RpmOp = 'install' | 'upgrade' | 'remove' | 'autoremove' | 'makecache' | 'downgrade';

/** `dnf -y [options] install 'a' 'b'` (with --assumeno instead of -y for a preview). */
export function rpmCommand(bin: 'dnf' | 'yum', op: RpmOp, specs: string[], o: RpmOptions, preview = false): string {
  const verb = op === 'makecache' ? 'makecache' : op === 'upgrade' && bin === 'yum' ? 'update' : op;
  return [bin, preview ? '--assumeno' : '-y', ...globalOptions(bin, o), verb, ...specs.map((s) => shellQuote(s))].join(' ');
}
