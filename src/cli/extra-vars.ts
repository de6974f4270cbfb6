/** -e parsing as ansible-playbook does: k=v pairs, @file (YAML/JSON), or an inline JSON/YAML mapping. */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

export class OptionError extends Error {}

function splitKv(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === '\\' && i + 1 < s.length) cur += s[++i];
      else if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (/\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quote) throw new OptionError(`unbalanced quotes in extra vars: ${s}`);
  if (cur) out.push(cur);
  return out;
}

export function parseExtraVars(values: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const raw of values) {
    const v = raw.trim();
    if (v.startsWith('@')) {
      const file = v.slice(1);
      let data: unknown;
      try {
        data = yaml.load(readFileSync(file, 'utf8'), { filename: file });
      } catch (err) {
        throw new OptionError(`-e @${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) throw new OptionError(`-e @${file}: must hold a mapping`);
      Object.assign(out, data);
    } else if (v.startsWith('{') || v.startsWith('---')) {
      let data: unknown;
      try {
        data = yaml.load(v);
      } catch (err) {
        throw new OptionError(`-e: invalid JSON/YAML: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!data || typeof data !== 'object' || Array.isArray(data)) throw new OptionError('-e: must be a mapping');
      Object.assign(out, data);
    } else {
      for (const pair of splitKv(v)) {
        const i = pair.indexOf('=');
        if (i <= 0) throw new OptionError(`-e: expected key=value, got "${pair}"`);
        out[pair.slice(0, i)] = pair.slice(i + 1);
      }
    }
  }
  return out;
}
