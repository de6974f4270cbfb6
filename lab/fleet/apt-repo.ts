/**
 * The lab's apt repository, as an offline fleet's mirror: a flat repository (pool/*.deb,
 * Packages, Release) in <lab>/artifacts/apt, built on the control machine and served by the lab's
 * artifact server at http://BRIDGE:8088/apt/. Hosts use only it (see aptHostEntries).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { debFromSpec, machineDeb, machinePackages, type DebSpec, type MachinePackages } from './apt-debs.js';
import { run } from './exec.js';
import { writeAtomic } from './state.js';
import { DEFAULT_LAB, checkLabName, stateDir } from './naming.js';
import { readState } from './state.js';

/** The artifact server's port (services.ts) and the repository's path on it. */
export const APT_REPO_PORT = 8088;
export const aptRepoDir = (labDir: string): string => join(labDir, 'artifacts', 'apt');
export const aptRepoUrl = (bridgeIp: string): string => `http://${bridgeIp}:${APT_REPO_PORT}/apt`;
/** The one source a lab host has. */
export const aptSourceLine = (bridgeIp: string): string => `deb [trusted=yes] ${aptRepoUrl(bridgeIp)} ./\n`;

export interface AptRepoInput {
  /** Packages of the machine (cached or installed), with the dependencies the machine lacks. */
  packages?: string[];
  /** Test packages built from a spec. */
  specs?: DebSpec[];
  warn?: (message: string) => void;
}

/** Parse "a (>= 1) | b, c" into alternative groups of names. */
export function dependencyGroups(field: string): string[][] {
  return field
    .split(',')
    .map((g) => g.split('|').map((alt) => alt.trim().split(/[\s(:]/)[0]!).filter(Boolean))
    .filter((g) => g.length > 0);
}

async function depends(deb: string): Promise<string[][]> {
  const out = (await run('dpkg-deb', ['-f', deb, 'Pre-Depends', 'Depends'])).stdout;
  const values = out.split('\n').map((l) => l.replace(/^[A-Za-z-]+:\s*/, '')).join(',');
  return dependencyGroups(values);
}

/** The named packages and, transitively, the dependencies the machine (and so each host) lacks. */
async function machineClosure(names: string[], machine: MachinePackages, workDir: string, warn: (m: string) => void): Promise<string[]> {
  const debs = new Map<string, string>();
  const queue = [...names];
  const named = new Set(names);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (debs.has(name)) continue;
    let deb: string;
    try {
      deb = await machineDeb(name, machine, workDir);
    } catch (e) {
      if (named.has(name)) throw e;
      warn(`${(e as Error).message}; hosts cannot install what needs it`);
      continue;
    }
    debs.set(name, deb);
    for (const group of await depends(deb)) {
      const met = group.some((n) => machine.installed.has(n) || machine.provided.has(n) || debs.has(n) || queue.includes(n));
      if (!met) queue.push(group[0]!);
    }
  }
  return [...debs.values()];
}

/** Add packages to the repository at repoDir (created when missing) and index it again. */
export async function buildAptRepo(repoDir: string, input: AptRepoInput): Promise<string[]> {
  const pool = join(repoDir, 'pool');
  const work = join(repoDir, 'work');
  mkdirSync(pool, { recursive: true });
  mkdirSync(work, { recursive: true });
  const warn = input.warn ?? ((): void => undefined);
  const built: string[] = [];
  if (input.packages?.length) built.push(...(await machineClosure(input.packages, await machinePackages(), work, warn)));
  for (const spec of input.specs ?? []) built.push(await debFromSpec(spec, work));
  for (const deb of built) copyFileSync(deb, join(pool, basename(deb)));
  await writeAptIndex(repoDir);
  return built.map((d) => basename(d));
}

const digest = (algo: string, data: Buffer): string => createHash(algo).update(data).digest('hex');

/** Packages (one stanza per pool/*.deb: its control fields, Filename, Size, MD5sum, SHA256) and Release. */
export async function writeAptIndex(repoDir: string): Promise<void> {
  const pool = join(repoDir, 'pool');
  const files = existsSync(pool) ? readdirSync(pool).filter((f) => f.endsWith('.deb')).sort() : [];
  const stanzas: string[] = [];
  for (const f of files) {
    const path = join(pool, f);
    const data = readFileSync(path);
    const control = (await run('dpkg-deb', ['-f', path])).stdout.trimEnd();
    stanzas.push(`${control}\nFilename: pool/${f}\nSize: ${statSync(path).size}\nMD5sum: ${digest('md5', data)}\nSHA256: ${digest('sha256', data)}\n`);
  }
  const packages = Buffer.from(stanzas.join('\n'));
  writeAtomic(join(repoDir, 'Packages'), packages.toString());
  const release = [
    'Origin: orchestrate-lab',
    'Label: orchestrate-lab',
    'Suite: lab',
    'Codename: lab',
    `Date: ${new Date().toUTCString().replace('GMT', 'UTC')}`,
    'Architectures: all amd64 arm64 i386',
    'Description: packages of the orchestrate lab, built on the control machine',
    'MD5Sum:',
    ` ${digest('md5', packages)} ${packages.length} Packages`,
    'SHA256:',
    ` ${digest('sha256', packages)} ${packages.length} Packages`,
  ];
  writeAtomic(join(repoDir, 'Release'), `${release.join('\n')}\n`);
}

/** Add packages to a running lab's repository (hosts see them after `apt-get update`). */
export async function labAptAdd(name: string | undefined, input: AptRepoInput): Promise<string[]> {
  const lab = checkLabName(name ?? DEFAULT_LAB);
  const state = readState(stateDir(lab));
  if (!state) throw new Error(`lab "${lab}" is not up`);
  return buildAptRepo(aptRepoDir(state.dir), input);
}
