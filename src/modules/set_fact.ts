/** set_fact: any keys become host variables (the `facts` channel); the executor stores them. */
import { defineModule } from './types.js';

const BOOLISH = new Set(['true', 'false', 'yes', 'no']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const set_fact = defineModule({
  name: 'set_fact',
  target: 'controller',
  checkMode: 'full',
  args: { cacheable: { type: 'bool', default: false }, '*': { type: 'raw' } },
  validate(args) {
    const keys = Object.keys(args).filter((k) => k !== 'cacheable');
    if (keys.length === 0) return ['set_fact needs at least one key=value'];
    return keys.filter((k) => !IDENT.test(k)).map((k) => `"${k}" is not a valid variable name`);
  },
  check: async () => ({}),
  plan(_s, args) {
    const facts: Record<string, unknown> = {};
    // as Ansible's set_fact action (jinja2_native off): strings true/false/yes/no become booleans
    for (const [k, v] of Object.entries(args)) if (k !== 'cacheable') facts[k] = typeof v === 'string' && BOOLISH.has(v.toLowerCase()) ? ['true', 'yes'].includes(v.toLowerCase()) : v;
    return { ok: true, reason: `set ${Object.keys(facts).join(', ')}`, facts, ...(args.cacheable ? { data: { cacheable: true } } : {}) };
  },
});
