/**
 * The engine benchmarks' common part: a playbook and an INI inventory loaded from a dir, the
 * run's secrets and event bus, and a run over connections that do no network I/O.
 */
import type { Connection } from '../../src/connection/connection.js';
import { LocalConnection } from '../../src/connection/local/local.js';
import { ConnectionPool } from '../../src/executor/connections.js';
import { EventBus } from '../../src/executor/events.js';
import { runPlaybook, type RunSummary } from '../../src/executor/runner.js';
import { Inventory } from '../../src/inventory/index.js';
import '../../src/modules/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import type { Playbook } from '../../src/playbook/model.js';
import { Secrets } from '../../src/util/secrets.js';
import { VaultSession } from '../../src/vault/session.js';
import { ProblemList } from '../../src/yaml/index.js';

export interface BenchRun {
  playbook: Playbook;
  inventory: Inventory;
  secrets: Secrets;
  bus: EventBus;
}

/** `bench.yml` and `hosts.ini` of `dir`, with a fresh secrets registry and event bus. */
export async function loadBenchRun(dir: string): Promise<BenchRun> {
  const problems = new ProblemList();
  const playbook = await loadPlaybook(`${dir}/bench.yml`, { problems });
  if (problems.hasErrors) throw new Error(problems.format());
  const inventory = await Inventory.load([`${dir}/hosts.ini`]);
  const secrets = new Secrets();
  return { playbook, inventory, secrets, bus: new EventBus((v) => secrets.maskValue(v)) };
}

/** Run it with every fleet host on `connect` (localhost on a local connection), 50 forks. */
export function runInMemory(r: BenchRun, connect: (host: string) => Connection): Promise<RunSummary> {
  const pool = new ConnectionPool(connect, () => new LocalConnection({ host: 'localhost' }));
  return runPlaybook({ playbook: r.playbook, inventory: r.inventory, pool, bus: r.bus, secrets: r.secrets, vault: new VaultSession(), extraVars: {}, tags: [], skipTags: [], checkMode: false, diffMode: false, forks: 50, signal: new AbortController().signal, verbosity: 0 });
}
