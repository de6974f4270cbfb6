/** A ModuleContext over a LocalConnection rooted in a fresh temp dir, for module tests. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/connection/local/local.js';
import type { ModuleContext } from '../../src/modules/types.js';
import { render } from '../../src/template/index.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { Secrets } from '../../src/util/secrets.js';
import { VaultSession } from '../../src/vault/session.js';

export interface TestContextOptions {
  vars?: Record<string, unknown>;
  checkMode?: boolean;
  diffMode?: boolean;
  /** Directory holding files/ and templates/ (default: root/src). */
  sourceDir?: string;
  connection?: LocalConnection;
  /** The context's clock (the system clock unless given: a ManualClock makes waits instant). */
  clock?: Clock;
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
      clock: o.clock ?? opts.clock ?? systemClock,
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
