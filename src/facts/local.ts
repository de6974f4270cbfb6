/**
 * ansible_local, as ansible-core's LocalFactCollector: every FACT_PATH/*.fact in sorted order,
 * named by its base name; an executable's output, or a static file's content, read as JSON, else
 * as INI (sections of options, option names lowercased as ConfigParser does), else an error text.
 */
import { part, type Raw } from './sections.js';

function ini(text: string): Record<string, Record<string, string>> | undefined {
  const out: Record<string, Record<string, string>> = {};
  let cur: Record<string, string> | undefined;
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\s*([#;].*)?$/.test(line)) continue;
    const sect = /^\[([^\]]+)\]\s*$/.exec(line);
    if (sect) {
      cur = out[sect[1]!] ??= {};
      continue;
    }
    if (!cur) return undefined;
    if (/^\s/.test(line) && last !== undefined) {
      cur[last] += `\n${line.trim()}`;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) return undefined;
    last = kv[1]!.trim().toLowerCase();
    cur[last] = kv[2]!.trim();
  }
  return out;
}

function parseFact(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return ini(text) ?? `error loading facts as JSON or ini - please check content: ${path}`;
  }
}

export function localFacts(raw: Raw, factPath: string): Record<string, unknown> {
  const dir = factPath.replace(/\/+$/, '');
  const sources = new Map<string, string>();
  for (const [path, text] of raw.files) if (path.startsWith(`${dir}/`) && path.endsWith('.fact')) sources.set(path, text);
  for (const name of raw.parts.keys()) if (name.startsWith('factexec:')) sources.set(name.slice('factexec:'.length), part(raw, name).join('\n'));
  const out: Record<string, unknown> = {};
  for (const path of [...sources.keys()].sort()) out[path.slice(dir.length + 1, -'.fact'.length)] = parseFact(sources.get(path)!, path);
  return out;
}
