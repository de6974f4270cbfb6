/**
 * include_vars, as ansible-core's action plugin (plugins/action/include_vars.py): a file (found
 * in the role's vars/, the role, the playbook dir's vars/, the playbook dir) or a directory (the
 * role's vars/DIR in a role, else relative to the playbook dir) walked in sorted order to `depth`,
 * `files_matching` / `ignore_files` regexes, `extensions`, results merged in order and optionally
 * nested under `name`; hash_behaviour merge combines them with the current values.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadYamlFile } from '../yaml/index.js';
import { findInSearchPath, type SearchBase } from './first-found.js';

export interface IncludeVarsArgs {
  file?: string;
  dir?: string;
  free_form?: string;
  name?: string;
  files_matching?: string;
  ignore_files: string[];
  extensions: string[];
  depth: number;
  ignore_unknown_extensions: boolean;
  hash_behaviour?: 'replace' | 'merge';
}

export interface IncludeResult {
  vars: Record<string, unknown>;
  files: string[];
}

function validExt(file: string, exts: string[]): boolean {
  const ext = path.extname(file).slice(1);
  return exts.includes(ext) || (ext === '' && exts.includes(''));
}

async function loadOne(file: string, exts: string[]): Promise<Record<string, unknown>> {
  if (!validExt(file, exts)) throw new Error(`${file} does not have a valid extension: ${exts.join(', ')}`);
  const doc = await loadYamlFile(file);
  if (doc.value === null || doc.value === undefined) return {};
  if (typeof doc.value !== 'object' || Array.isArray(doc.value)) throw new Error(`${file} must be stored as a dictionary/hash`);
  return doc.value as Record<string, unknown>;
}

/** Files of a directory, depth first in sorted order, to `depth` levels (0: all). */
function walk(dir: string, depth: number, level = 1): string[][] {
  const entries = readdirSync(dir).sort();
  const files = entries.filter((e) => statSync(path.join(dir, e)).isFile()).map((e) => path.join(dir, e));
  const out = [files];
  if (depth === 0 || level < depth) {
    for (const e of entries) if (statSync(path.join(dir, e)).isDirectory()) out.push(...walk(path.join(dir, e), depth, level + 1));
  }
  return out;
}

/** _set_root_dir: in a role, the role's vars/DIR (or DIR when it starts with vars/); else next to the task's file. */
function sourceDir(dir: string, base: SearchBase): string {
  if (path.isAbsolute(dir)) return dir;
  if (base.rolePath) {
    if (dir.split('/')[0] === 'vars') {
      const p = path.join(base.rolePath, dir);
      return existsSync(p) ? p : dir;
    }
    return path.join(base.rolePath, 'vars', dir);
  }
  // outside a role the search path starts with the task's own directory
  const taskDir = base.stack?.[0] ?? base.playbookDir;
  return path.join(taskDir, dir);
}

export async function includeVars(args: IncludeVarsArgs, base: SearchBase): Promise<IncludeResult> {
  const files: string[] = [];
  let vars: Record<string, unknown> = {};
  const source = args.dir === undefined ? (args.file ?? args.free_form)?.replace(/\n+$/, '') : undefined;
  if (args.dir !== undefined) {
    const dir = sourceDir(args.dir, base);
    let st;
    try {
      st = statSync(dir);
    } catch {
      throw new Error(`${dir} directory does not exist`);
    }
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    const matcher = args.files_matching ? new RegExp(args.files_matching) : undefined;
    const roleMain = base.rolePath ? path.join(base.rolePath, 'vars', 'main.yml') : undefined;
    for (const group of walk(dir, args.depth)) {
      for (const f of group) {
        const name = path.basename(f);
        // the role's own vars/main.yml is already loaded with the role
        if (f === roleMain || name.startsWith('.')) continue;
        if (args.ignore_files.some((pat) => new RegExp(`${pat}$`).test(name))) continue;
        if (matcher && !matcher.test(name)) continue;
        if (args.ignore_unknown_extensions && !validExt(name, args.extensions)) continue;
        Object.assign(vars, await loadOne(f, args.extensions));
        files.push(f);
      }
    }
  } else {
    if (!source) throw new Error('one of file, dir or a file name is required');
    const found = findInSearchPath(source, 'vars', base);
    if (!found) {
      const where = [base.rolePath && path.join(base.rolePath, 'vars'), base.rolePath, path.join(base.playbookDir, 'vars'), base.playbookDir].filter(Boolean);
      throw new Error(`could not find or access '${source}' (searched ${where.map((w) => path.relative(process.cwd(), w!) || '.').join(', ')})`);
    }
    vars = await loadOne(found, args.extensions);
    files.push(found);
  }
  if (args.name) vars = { [args.name]: vars };
  return { vars, files };
}

/** hash_behaviour=merge: dictionaries combined recursively with the current values (combine_vars). */
export function mergeHashes(current: unknown, value: unknown): unknown {
  if (!isDict(current) || !isDict(value)) return value;
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(value)) out[k] = mergeHashes(out[k], v);
  return out;
}

function isDict(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
