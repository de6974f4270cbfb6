/** Test harness for the vault modules: an in-process lab Vault and a small ModuleContext. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../src/connection/local/local.js';
import { runModule, type ModuleResult } from '../../src/modules/run.js';
import type { AnyModule, ModuleContext } from '../../src/modules/types.js';
import { systemClock } from '../../src/util/clock.js';
import { Secrets } from '../../src/util/secrets.js';
import { VaultSession } from '../../src/vault/session.js';
import { startLabVault, type LabVault } from '../../lab/vault/server.js';

export function tempDir(prefix = 'vault-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The lab Vault in this process, on a random loopback port (the fleet: test/helpers/lab.ts). */
export async function startVault(stateDir: string): Promise<LabVault> {
  return startLabVault({ host: '127.0.0.1', port: 0, stateDir });
}

/** One "run" of the tool: its own session (as a new process would have) and secrets. */
export class Run {
  session: VaultSession;
  readonly secrets = new Secrets();
  readonly results: { module: string; result: ModuleResult }[] = [];
  private readonly connection = new LocalConnection({ host: 'localhost' });

  constructor(
    readonly dir: string,
    public vars: Record<string, unknown>,
  ) {
    this.session = new VaultSession({ HOME: dir }, dir);
  }

  ctx(taskName: string): ModuleContext {
    return {
      host: 'localhost',
      connection: this.connection,
      vars: this.vars,
      checkMode: false,
      diffMode: true,
      secrets: this.secrets,
      vault: this.session,
      taskName,
      findFile: (_kind, name) => join(this.dir, name),
      render: (t) => t,
      log: () => undefined,
      signal: new AbortController().signal,
      clock: systemClock,
    };
  }

  async run(def: AnyModule, args: Record<string, unknown>): Promise<ModuleResult> {
    const result = await runModule(def, this.ctx(def.name), args);
    this.results.push({ module: def.name, result });
    return result;
  }
}
