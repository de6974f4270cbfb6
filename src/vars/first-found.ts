/**
 * first_found, as ansible-core's lookup (plugins/lookup/first_found.py): terms are file names,
 * mappings of `files`/`paths`/`skip`, or lists of these; names are split on `,;` and paths on
 * `,:;`; each candidate is looked for in the search path (the role's SUBDIR/ and the role, then
 * the playbook dir's SUBDIR/ and the playbook dir), SUBDIR being `vars` for include_vars,
 * `templates` for template and `files` otherwise.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findInStack } from '../template/search-path.js';

export interface SearchBase {
  rolePath?: string;
  playbookDir: string;
  /** The task's ansible_search_path (its roles, then its file's directory); else the role and the playbook dir. */
  stack?: string[];
}

function splitOn(v: unknown, seps: RegExp): string[] {
  const items = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return items.flatMap((x) => String(x).split(seps)).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The candidate names of the terms, in order, and whether a miss is allowed (`skip`). */
export function firstFoundCandidates(terms: unknown[], kw: Record<string, unknown>): { candidates: string[]; skip: boolean } {
  let total: string[] = [];
  let skip = false;
  for (const term of terms) {
    let opts: Record<string, unknown>;
    if (term && typeof term === 'object' && !Array.isArray(term)) opts = term as Record<string, unknown>;
    else if (typeof term === 'string') opts = kw;
    else if (Array.isArray(term)) {
      const inner = firstFoundCandidates(term, kw);
      total.push(...inner.candidates);
      skip = inner.skip;
      continue;
    } else throw new Error(`first_found: invalid term, can handle string, mapping or list of strings but got: ${JSON.stringify(term)}`);
    const files = splitOn(opts['files'], /[,;]/);
    const paths = splitOn(opts['paths'], /[,:;]/);
    skip = opts['skip'] === true || /^(yes|true)$/i.test(String(opts['skip'] ?? ''));
    if (paths.length > 0) for (const p of paths) for (const f of files) total.push(path.join(p, f));
    else if (files.length > 0) total = files;
    else total.push(String(term));
  }
  return { candidates: total, skip };
}

/** Ansible's find_file_in_search_path: an absolute name as is, else the role's then the playbook's dirs. */
export function findInSearchPath(name: string, subdir: string, base: SearchBase): string | undefined {
  if (base.stack) return findInStack(base.stack, subdir, name, base.playbookDir);
  if (path.isAbsolute(name)) return existsSync(name) ? name : undefined;
  const dirs: string[] = [];
  if (base.rolePath) dirs.push(path.join(base.rolePath, subdir), base.rolePath);
  dirs.push(path.join(base.playbookDir, subdir), base.playbookDir);
  for (const d of dirs) {
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The first file found ([] when none and skip), else an error as Ansible's. */
export function firstFound(terms: unknown[], kw: Record<string, unknown>, subdir: string, base: SearchBase): string[] {
  const { candidates, skip } = firstFoundCandidates(terms, kw);
  for (const c of candidates) {
    const p = findInSearchPath(c, subdir, base);
    if (p) return [p];
  }
  if (skip) return [];
  throw new Error('No file was found when using first_found.');
}

/** The subdir a task's action searches (Ansible's TaskExecutor: template → templates, var → vars, else files). */
export function subdirFor(action: string): string {
  for (const s of ['template', 'var', 'file']) if (action.includes(s)) return `${s}s`;
  return 'files';
}
