/** Splits the facts script's output into its parts and the files it read. */

export interface Raw {
  /** `@@orc:NAME` part → its lines. */
  parts: Map<string, string[]>;
  /** File path → its content (from the one `grep -sH ''`). */
  files: Map<string, string>;
}

export function splitOutput(out: string): Raw {
  const parts = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of out.split('\n')) {
    const m = /^@@orc:(\S+)$/.exec(line);
    if (m) {
      cur = [];
      parts.set(m[1]!, cur);
    } else if (cur) cur.push(line);
  }
  for (const lines of parts.values()) while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const files = new Map<string, string[]>();
  for (const line of parts.get('files') ?? []) {
    const at = fileSplit(line);
    if (!at) continue;
    const [path, text] = at;
    const list = files.get(path);
    if (list) list.push(text);
    else files.set(path, [text]);
  }
  return { parts, files: new Map([...files].map(([p, l]) => [p, l.join('\n')])) };
}

/** `path:content`; paths of the files we read hold no colon. */
function fileSplit(line: string): [string, string] | undefined {
  const i = line.indexOf(':');
  if (i <= 0 || !line.startsWith('/')) return undefined;
  return [line.slice(0, i), line.slice(i + 1)];
}

export function part(raw: Raw, name: string): string[] {
  return raw.parts.get(name) ?? [];
}

export function file(raw: Raw, path: string): string | undefined {
  return raw.files.get(path);
}

/** KEY=value lines (os-release, lsb-release), quotes removed. */
export function keyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) v = v.slice(1, -1);
    out[m[1]!] = v.replace(/\\(["'$`\\])/g, '$1');
  }
  return out;
}

/** `export NAME='value'` lines of `export -p` (dash, bash and busybox forms) → name → value. */
export function parseExports(lines: string[]): Record<string, string> {
  const text = lines.join('\n');
  const out: Record<string, string> = {};
  const re = /^(?:export|declare -x) ([A-Za-z_][A-Za-z0-9_]*)(?:=((?:'[^']*'|"(?:[^"\\]|\\.)*"|\\.|[^\s'"\\])*))?$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2] === undefined) continue;
    out[m[1]!] = unquote(m[2]);
  }
  return out;
}

function unquote(s: string): string {
  let out = '';
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)|([^'"\\]+)/gs;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1] !== undefined) out += m[1];
    else if (m[2] !== undefined) out += m[2].replace(/\\([$`"\\\n])/g, '$1');
    else if (m[3] !== undefined) out += m[3];
    else out += m[4];
  }
  return out;
}

/** `ls -ld` lines of symlinks: path → target. */
export function links(raw: Raw): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of part(raw, 'links')) {
    const m = /\s(\/\S*) -> (.+)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** `ip -batch` output: the two `route get` answers and `addr show`. */
export function ipOutput(raw: Raw): { route4: string[]; route6: string[]; addr: string[] } {
  const lines = part(raw, 'ip');
  const first = lines.findIndex((l) => /^\d+:\s/.test(l));
  const routes = first < 0 ? lines : lines.slice(0, first);
  return {
    route4: routes.filter((l) => l.startsWith('8.8.8.8 ')),
    route6: routes.filter((l) => l.startsWith('2404:6800:400a:800::1012 ')),
    addr: first < 0 ? [] : lines.slice(first),
  };
}
