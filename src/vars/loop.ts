/** with_first_found: each term templated on its own (an undefined one is skipped, as Ansible's lookup does). */
import { templateValue } from '../template/index.js';
import { firstFound } from './first-found.js';

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
  const rolePath = vars['role_path'];
  return firstFound(terms, {}, subdir, { playbookDir: String(vars['playbook_dir'] ?? '.'), ...(typeof rolePath === 'string' ? { rolePath } : {}) });
}
