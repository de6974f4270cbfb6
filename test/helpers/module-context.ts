/** A ModuleContext over a LocalConnection rooted in a fresh temp dir, for module tests. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/connection/local/local.js';
import type { ModuleContext } from '../../src/modules/types.js';
import { Secrets } from '../../src/util/secrets.js';
import { VaultSession } from '../../src/vault/session.js';

type RenderFn = (text: string, vars: Record<string, unknown>) => string;

/** src/template's render when it is there; else a minimal `{{ name }}` substitution. */
async function loadRender(): Promise<RenderFn> {
  const path = '../../src/template/index.js';
  try {
    const mod = (await import(path)) as { render?: RenderFn };
    if (typeof mod.render === 'function') return mod.render;
  } catch {
    /* not written yet */
  }
  return (text, vars) =>
    text.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g, (_m, name: string) => {
      let v: unknown = vars;
      for (const part of name.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
      if (v === undefined) throw new Error(`'${name}' is undefined`);
      return String(v);
    });
}

const renderP = loadRender();

export interface TestContextOptions {
  vars?: Record<string, unknown>;
  checkMode?: boolean;
  diffMode?: boolean;
  /** Directory holding files/ and templates/ (default: root/src). */
  sourceDir?: string;
  connection?: LocalConnection;
}

export interface TestContext {
  ctx: ModuleContext;
  root: string;
  conn: LocalConnection;
  logs: string[];
  /** Same root and connection, other flags. */
  with(opts: Omit<TestContextOptions, 'connection'>): ModuleContext;
  cleanup(): void;
}

export async function makeContext(opts: TestContextOptions = {}): Promise<TestContext> {
  const render = await renderP;
  const root = mkdtempSync(join(tmpdir(), 'orchestrate-mod-'));
  const conn = opts.connection ?? new LocalConnection({ host: 'testhost' });
  const logs: string[] = [];
  const build = (o: TestContextOptions): ModuleContext => {
    const vars = { inventory_hostname: 'testhost', ...(o.vars ?? opts.vars ?? {}) };
    const sourceDir = o.sourceDir ?? opts.sourceDir ?? join(root, 'src');
    return {
      host: 'testhost',
      connection: conn,
      vars,
      checkMode: o.checkMode ?? false,
      diffMode: o.diffMode ?? false,
      secrets: new Secrets(),
      vault: new VaultSession({}),
      taskName: 'test task',
      findFile(kind, name) {
        if (name.startsWith('/')) return name;
        for (const p of [join(sourceDir, kind, name), join(sourceDir, name)]) if (existsSync(p)) return p;
        throw new Error(`${name} not found in ${kind}/`);
      },
      render: (text, extra) => render(text, { ...vars, ...(extra ?? {}) }),
      log: (m) => logs.push(m),
      signal: new AbortController().signal,
    };
  };
  return {
    ctx: build(opts),
    root,
    conn,
    logs,
    with: (o) => build({ ...opts, ...o }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
