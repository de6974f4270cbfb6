/**
 * Where lookups and actions find files on the control machine, as ansible-core's DataLoader
 * (parsing/dataloader.py): `ansible_search_path` is the task's search stack (its roles, innermost
 * first, then the directory of the file the task is in), and path_dwim_relative_stack looks in
 * each for SUBDIR/NAME and NAME, then in the playbook directory.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

const RE_TASKS = /(?:^|\/)+tasks\/?$/;

function expand(p: string): string {
  return p.startsWith('~') ? path.join(process.env['HOME'] ?? '', p.slice(1)) : p;
}

/** DataLoader._is_role: a path in or at a role (tasks/main.yml, meta/main.yml near it). */
export function isRole(p: string): boolean {
  const up = path.resolve(p);
  const dir = path.dirname(p);
  const mains = ['main.yml', 'main.yaml', 'main'];
  if (RE_TASKS.test(p) && mains.some((m) => existsSync(path.join(p, m)))) return true;
  for (const base of [up, dir]) {
    for (const sub of ['tasks', 'meta']) if (mains.some((m) => existsSync(path.join(base, sub, m)))) return true;
  }
  return false;
}

/** path_dwim_relative_stack: the candidates in order. */
export function searchCandidates(paths: readonly string[], subdir: string, source: string, basedir: string): string[] {
  const search: string[] = [];
  for (const p of paths) {
    const up = path.resolve(p);
    const pbBase = path.dirname(up);
    if (isRole(p) && pbBase.endsWith('/tasks')) {
      search.push(path.join(path.dirname(pbBase), subdir, source), path.join(pbBase, source));
    } else {
      search.push(path.join(up, subdir, source), path.join(up, source));
    }
  }
  search.push(path.join(basedir, subdir, source), path.join(basedir, source));
  return search;
}

/** The file found for `source` (absolute and ~ paths as they are), or undefined. */
export function findInStack(paths: readonly string[], subdir: string, source: string, basedir: string): string | undefined {
  if (source.startsWith('/') || source.startsWith('~')) {
    const p = path.resolve(expand(source));
    return existsSync(p) ? p : undefined;
  }
  return searchCandidates(paths, subdir, source, basedir).find((c) => existsSync(c));
}

/** Task.get_search_path: the roles of the dependency chain (innermost first), then the task's directory. */
export function taskSearchPath(rolePaths: readonly string[], taskDir: string | undefined): string[] {
  const out = [...rolePaths].reverse();
  if (taskDir !== undefined && !out.includes(taskDir)) out.push(taskDir);
  return out;
}
