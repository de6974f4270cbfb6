/**
 * apt_repository: a one-line APT source present or absent, as ansible-core 2.14's apt_repository
 * (its SourcesList, without python3-apt): /etc/apt/sources.list and sources.list.d/*.list are
 * read line by line; present enables every line with the same source (commented-out ones too)
 * or adds it to sources.list.d/<filename>.list (named from the repository's host and path when
 * `filename` is not given), mode 0644 unless `mode`; absent removes every enabled such line, and
 * a file left empty is deleted. update_cache runs `apt-get update` after a change. PPAs
 * (`ppa:`) and deb822 .sources files are not handled.
 */
import { sh, why } from './lib/sh.js';
import { resolveMode } from './lib/mode.js';
import type { FileDiff, ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const SOURCES = '/etc/apt/sources.list';
const PARTS = '/etc/apt/sources.list.d';
const VALID = new Set(['deb', 'deb-src']);

interface Line {
  valid: boolean;
  enabled: boolean;
  source: string;
  comment: string;
}

/** SourcesList._parse. */
export function parseSourceLine(raw: string): Line {
  let line = raw.trim();
  let enabled = true;
  let comment = '';
  let valid = false;
  if (line.startsWith('#')) {
    enabled = false;
    line = line.slice(1);
  }
  const i = line.indexOf('#');
  if (i > 0) {
    comment = line.slice(i + 1).trim();
    line = line.slice(0, i);
  }
  let source = line.trim();
  if (source) {
    const chunks = source.split(/\s+/);
    if (VALID.has(chunks[0]!)) {
      valid = true;
      source = chunks.join(' ');
    }
  }
  return { valid, enabled, source, comment };
}

/** SourcesList._suggest_filename. */
export function suggestFilename(source: string, filename: string | undefined): string {
  let line = source.replace(/\[[^\]]+\]/g, '').replace(/\w+:\/\//g, '');
  const parts = line.split(/\s+/).filter((p) => p !== '' && !VALID.has(p));
  line = parts[0] ?? '';
  if (line.includes('@')) line = line.slice(line.indexOf('@') + 1);
  return `${filename ?? line.replace(/[^a-zA-Z0-9]/g, ' ').split(/\s+/).filter(Boolean).join('_')}.list`;
}

const dump = (lines: Line[]): string => lines.map((l) => `${l.enabled ? '' : '# '}${l.source}${l.comment ? ` # ${l.comment}` : ''}\n`).join('');

interface Sources {
  files: Map<string, Line[]>;
}

interface Change {
  write: Map<string, string>;
  remove: string[];
  /** Files a line was added to: they get `mode` (SourcesList.new_repos). */
  added: string[];
  mode: number;
  updateCache: boolean;
  /** The files before, to put back when apt-get update fails (revert_sources_list). */
  before: Map<string, string>;
}

async function load(ctx: ModuleContext): Promise<Sources> {
  const r = await sh(ctx, `for f in ${SOURCES} ${PARTS}/*.list; do [ -f "$f" ] && printf '%s\\0' "$f"; done; exit 0`);
  const files = new Map<string, Line[]>();
  for (const f of r.stdout.split('\0').filter(Boolean)) {
    const text = (await ctx.connection.readFile(f)).toString('utf8');
    files.set(f, (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).map(parseSourceLine));
  }
  return { files };
}

function dumpAll(files: Map<string, Line[]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [f, lines] of files) if (lines.length) m.set(f, dump(lines));
  return m;
}

export const apt_repository = defineModule({
  name: 'apt_repository',
  description: 'Add or remove a one-line APT source in sources.list / sources.list.d (not PPAs)',
  target: 'remote',
  checkMode: 'full',
  args: {
    repo: { type: 'str', required: true, description: 'the source line ("deb [signed-by=...] http://host/path suite components")' },
    state: { type: 'str', default: 'present', choices: ['present', 'absent'], description: 'whether the source is enabled' },
    filename: { type: 'str', description: 'name of the sources.list.d file, without .list (default: from the repository\'s URL)' },
    mode: { type: 'mode', description: 'permissions of a new sources file (default 0644)' },
    update_cache: { type: 'bool', default: true, aliases: ['update-cache'], description: 'run apt-get update after a change' },
    update_cache_retries: { type: 'int', default: 5, description: 'accepted (apt-get update is run once)' },
    update_cache_retry_max_delay: { type: 'int', default: 12, description: 'accepted (apt-get update is run once)' },
    validate_certs: { type: 'bool', default: true, description: 'accepted (PPAs are not fetched)' },
    install_python_apt: { type: 'bool', default: true, description: 'accepted (python3-apt is not needed)' },
    codename: { type: 'str', description: 'accepted (for PPAs, which are not handled)' },
  },
  validate: (args) => (args.repo.startsWith('ppa:') ? ['apt_repository: ppa: repositories are not supported; give the deb line'] : []),
  check: (ctx) => load(ctx),
  plan(s, args, ctx) {
    if (!args.repo) throw new ModuleFailure("Please set argument 'repo' to a non-empty value");
    const p = parseSourceLine(args.repo);
    if (!p.valid || !p.enabled) throw new ModuleFailure(`Invalid repository string: ${args.repo.trim().replace(/^#/, '')}`);
    const before = dumpAll(s.files);
    const files = new Map([...s.files].map(([f, l]) => [f, l.map((x) => ({ ...x }))] as const));
    const created: string[] = [];
    if (args.state === 'present') {
      let found = false;
      for (const lines of files.values()) for (const l of lines) if (l.valid && l.source === p.source) { l.enabled = true; found = true; }
      if (!found) {
        const name = suggestFilename(p.source, args.filename);
        const file = name.includes('/') ? name : `${PARTS}/${name}`;
        if (!files.has(file)) files.set(file, []);
        files.get(file)!.push({ valid: true, enabled: true, source: p.source, comment: '' });
        created.push(file);
      }
    } else {
      for (const [f, lines] of files) files.set(f, lines.filter((l) => !(l.valid && l.enabled && l.source === p.source)));
    }
    const after = dumpAll(files);
    const changedFiles = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
    const data = { repo: args.repo, state: args.state };
    if (!changedFiles.length) return { ok: true, reason: `source ${args.state === 'present' ? 'present' : 'absent'}: ${p.source}`, data };
    const diff: FileDiff[] = changedFiles.map((f) => ({ path: f, before: before.get(f) ?? '', after: after.get(f) ?? '' }));
    const write = new Map(changedFiles.filter((f) => after.has(f)).map((f) => [f, after.get(f)!] as const));
    return {
      change: { write, remove: changedFiles.filter((f) => !after.has(f) && s.files.has(f)), added: created, mode: resolveMode(args.mode, 0o644, false) ?? 0o644, updateCache: args.update_cache, before: new Map(changedFiles.filter((f) => s.files.has(f)).map((f) => [f, before.get(f) ?? ''] as const)) },
      summary: `${args.state === 'present' ? 'add' : 'remove'} ${p.source} (${changedFiles.join(', ')})`,
      ...(ctx.diffMode ? { diff } : {}),
      data,
    };
  },
  async apply(ctx, c: Change) {
    for (const [f, text] of c.write) {
      await ctx.connection.mkdir(f.replace(/\/[^/]*$/, ''));
      const info = await ctx.connection.stat(f);
      const mode = c.added.includes(f) ? c.mode : (info.mode ?? 0o644);
      await ctx.connection.writeFile(f, text, { mode, existing: info });
    }
    for (const f of c.remove) await ctx.connection.remove(f);
    if (!c.updateCache) return;
    const r = await sh(ctx, 'DEBIAN_FRONTEND=noninteractive apt-get update -q');
    if (r.rc === 0) return;
    // revert_sources_list: the files as they were, new ones removed
    for (const f of c.write.keys()) if (!c.before.has(f)) await ctx.connection.remove(f);
    for (const [f, text] of c.before) await ctx.connection.writeFile(f, text, { mode: (await ctx.connection.stat(f)).mode ?? 0o644 });
    throw new ModuleFailure(`Failed to update apt cache: ${why(r)}`);
  },
});
