/**
 * The .deb files of the lab's apt repository, all built on the control machine, none downloaded:
 * a named package comes from apt's cache (/var/cache/apt/archives) when it is there, else it is
 * repacked from dpkg's database as dpkg-repack does (the installed files from `dpkg-query -L`,
 * the control fields from `dpkg-query -s`, the maintainer scripts and conffiles from
 * `dpkg-query --control-path`, built with `dpkg-deb --build`); small test packages are built
 * from a spec.
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { run } from './exec.js';

export const APT_CACHE = '/var/cache/apt/archives';

/** A test package: arch "all", files with their content (mode 0644 unless given). */
export interface DebSpec {
  name: string;
  version: string;
  files?: Record<string, string | { content: string; mode: number }>;
  depends?: string[];
  description?: string;
  /** Maintainer scripts (postinst, prerm, ...): their text. */
  scripts?: Record<string, string>;
}

/** What dpkg on the machine knows: installed packages and their versions. */
export interface MachinePackages {
  installed: Map<string, string>;
  /** Names that an installed package provides (virtual packages). */
  provided: Set<string>;
}

export async function machinePackages(): Promise<MachinePackages> {
  const out = await run('dpkg-query', ['-W', '-f', '${Package}\t${db:Status-Abbrev}\t${Version}\t${Provides}\n']);
  const installed = new Map<string, string>();
  const provided = new Set<string>();
  for (const line of out.stdout.split('\n')) {
    const [name, status, version, provides] = line.split('\t');
    if (!name || !status?.startsWith('ii')) continue;
    installed.set(name, version ?? '');
    for (const p of (provides ?? '').split(',')) if (p.trim()) provided.add(p.trim().split(/[\s(]/)[0]!);
  }
  return { installed, provided };
}

/** The file name Debian gives a package: NAME_VERSION_ARCH.deb, the epoch's ":" as %3a. */
export const debFileName = (name: string, version: string, arch: string): string => `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`;

/** The cached .deb files of one package in apt's cache, by version. */
export function cachedDebs(name: string, cacheDir = APT_CACHE): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(cacheDir)) return out;
  for (const f of readdirSync(cacheDir)) {
    const m = /^([^_]+)_([^_]+)_([^_]+)\.deb$/.exec(f);
    if (m && m[1] === name) out.set(decodeURIComponent(m[2]!), join(cacheDir, f));
  }
  return out;
}

/** Is version a newer than b (dpkg's ordering)? */
async function newer(a: string, b: string): Promise<boolean> {
  return run('dpkg', ['--compare-versions', a, 'gt', b]).then(
    () => true,
    () => false,
  );
}

/**
 * The .deb of a package of the machine: the cached file of the installed version, else a repack
 * of the installed package, else the newest cached version; neither cached nor installed: an error.
 */
export async function machineDeb(name: string, machine: MachinePackages, workDir: string, cacheDir = APT_CACHE): Promise<string> {
  const cached = cachedDebs(name, cacheDir);
  const installed = machine.installed.get(name);
  if (installed !== undefined) return cached.get(installed) ?? repack(name, workDir);
  let best: [string, string] | undefined;
  for (const [v, f] of cached) if (!best || (await newer(v, best[0]))) best = [v, f];
  if (!best) throw new Error(`apt package "${name}" is neither installed on this machine nor in ${cacheDir}: the lab builds its repository offline (install it here, or put its .deb in ${cacheDir})`);
  return best[1];
}

const CONTROL_FILES = new Set(['preinst', 'postinst', 'prerm', 'postrm', 'conffiles', 'md5sums', 'triggers', 'shlibs', 'symbols', 'templates', 'config']);
const DROPPED_FIELDS = new Set(['Status', 'Conffiles', 'Config-Version']);

/** `dpkg-query -s` fields without those only the database has (Status, Conffiles, ...). */
export function controlFromStatus(status: string): string {
  const out: string[] = [];
  let keep = true;
  for (const line of status.split('\n')) {
    if (line === '') continue;
    if (!/^\s/.test(line)) keep = !DROPPED_FIELDS.has(line.split(':')[0]!);
    if (keep) out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/** dpkg-repack: rebuild the installed package NAME as a .deb in workDir. */
export async function repack(name: string, workDir: string): Promise<string> {
  const root = mkdtempSync(join(workDir, `repack-${name}-`));
  chmodSync(root, 0o755); // the package's "./"
  try {
    const status = (await run('dpkg-query', ['-s', name])).stdout;
    const control = controlFromStatus(status);
    const field = (f: string): string => new RegExp(`^${f}: (.*)$`, 'm').exec(control)?.[1]?.trim() ?? '';
    const paths = (await run('dpkg-query', ['-L', name])).stdout.split('\n').filter((p) => p.startsWith('/') && p !== '/.');
    const { dirs, files } = splitPaths(paths);
    for (const d of dirs) copyDir(d, join(root, d));
    const list = join(workDir, `${basename(root)}.list`);
    writeFileSync(list, files.map((p) => p.slice(1)).join('\n') + '\n');
    await run('sh', ['-c', 'tar -C / --no-recursion --ignore-failed-read -cpf - -T "$1" 2>/dev/null | tar -C "$2" -xpf -', 'repack', list, root]);
    rmSync(list, { force: true });
    mkdirSync(join(root, 'DEBIAN'), { mode: 0o755 });
    writeFileSync(join(root, 'DEBIAN', 'control'), control, { mode: 0o644 });
    for (const file of (await run('dpkg-query', ['--control-path', name])).stdout.split('\n').filter(Boolean)) {
      const kind = /\.([a-z]+)$/.exec(file)?.[1] ?? '';
      if (!CONTROL_FILES.has(kind)) continue;
      const text = (await run('cat', [file])).stdout;
      // a conffile the machine no longer has cannot go into the package
      const body = kind === 'conffiles' ? text.split('\n').filter((l) => l.trim() && existsSync(join(root, l.trim().split(/\s+/).pop()!))).join('\n') + '\n' : text;
      if (kind === 'conffiles' && body.trim() === '') continue;
      writeFileSync(join(root, 'DEBIAN', kind), body, { mode: /inst$|rm$|^config$/.test(kind) ? 0o755 : 0o644 });
    }
    const out = join(workDir, debFileName(name, field('Version'), field('Architecture')));
    await run('dpkg-deb', ['-Zgzip', '-z1', '--build', root, out]);
    return out;
  } catch (e) {
    throw new Error(`apt package "${name}": cannot repack the installed package: ${(e as Error).message}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The package's directories (created as directories, even where the machine has a symlink to a
 * directory, as /bin on a merged-/usr system) and its other paths (copied as they are).
 */
function splitPaths(paths: string[]): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  const sorted = [...paths].sort();
  sorted.forEach((p, i) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return; // removed on the machine since: dpkg-repack leaves it out too
    }
    const parentOfNext = sorted[i + 1]?.startsWith(`${p}/`) ?? false;
    if (st.isDirectory() || (st.isSymbolicLink() && parentOfNext && statSync(p).isDirectory())) dirs.push(p);
    else files.push(p);
  });
  return { dirs, files };
}

function copyDir(from: string, to: string): void {
  const st = statSync(from);
  mkdirSync(to, { recursive: true });
  chmodSync(to, st.mode & 0o7777);
  chownSync(to, st.uid, st.gid);
}

const NAME_RE = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION_RE = /^(\d+:)?[0-9][A-Za-z0-9.+~:-]*$/;

/** Build a test package from its spec into outDir. */
export async function debFromSpec(spec: DebSpec, outDir: string): Promise<string> {
  if (!NAME_RE.test(spec.name)) throw new Error(`test package name "${spec.name}": lowercase letters, digits, + - . (two characters or more)`);
  if (!VERSION_RE.test(spec.version)) throw new Error(`test package ${spec.name}: version "${spec.version}" is not a Debian version`);
  const root = mkdtempSync(join(outDir, `spec-${spec.name}-`));
  chmodSync(root, 0o755); // the package's "./"
  try {
    for (const [path, f] of Object.entries(spec.files ?? {})) {
      if (!path.startsWith('/') || path.split('/').includes('..')) throw new Error(`test package ${spec.name}: file path "${path}" must be absolute, without ".."`);
      const { content, mode } = typeof f === 'string' ? { content: f, mode: 0o644 } : f;
      mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
      writeFileSync(join(root, path), content, { mode });
    }
    mkdirSync(join(root, 'DEBIAN'), { mode: 0o755 });
    const fields = [
      `Package: ${spec.name}`,
      `Version: ${spec.version}`,
      'Architecture: all',
      'Maintainer: orchestrate lab <lab@localhost>',
      ...(spec.depends?.length ? [`Depends: ${spec.depends.join(', ')}`] : []),
      'Section: misc',
      'Priority: optional',
      `Description: ${spec.description ?? `${spec.name}, a lab test package`}`,
    ];
    writeFileSync(join(root, 'DEBIAN', 'control'), `${fields.join('\n')}\n`, { mode: 0o644 });
    for (const [kind, text] of Object.entries(spec.scripts ?? {})) {
      if (!CONTROL_FILES.has(kind)) throw new Error(`test package ${spec.name}: unknown control file "${kind}"`);
      writeFileSync(join(root, 'DEBIAN', kind), text, { mode: 0o755 });
    }
    const out = join(outDir, debFileName(spec.name, spec.version, 'all'));
    await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', root, out]);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
