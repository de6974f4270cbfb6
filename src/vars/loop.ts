/** with_first_found: each term templated on its own (an undefined one is skipped, as Ansible's lookup does). */
import { templateValue } from '../template/index.js';
import { firstFound, type SearchBase } from './first-found.js';

/** Where a task looks for files: its ansible_search_path (else its role), then the playbook dir. */
export function searchBaseOf(vars: Record<string, unknown>): SearchBase {
  const rolePath = vars['role_path'];
  const stack = vars['ansible_search_path'];
  return {
    playbookDir: String(vars['playbook_dir'] ?? '.'),
    ...(typeof rolePath === 'string' ? { rolePath } : {}),
    ...(Array.isArray(stack) ? { stack: stack.map(String) } : {}),
  };
}

export function firstFoundLoop(value: unknown, subdir: string, vars: Record<string, unknown>): unknown[] {
  const raw = Array.isArray(value) ? value : [value];
  const terms: unknown[] = [];
  for (const t of raw) {
    try {
      terms.push(templateValue(t, vars));
    } catch (err) {
      if (!(err instanceof Error) || !/undefined/i.test(err.message)) throw err;
    }
  }
  return firstFound(terms, {}, subdir, searchBaseOf(vars));
}
