/**
 * A playbook run in-process on in-memory connections (src/connection/memory.ts), with a clock
 * that does not wait: what the executor decided, as the differential harness normalises it
 * (`task: h1=ok h2=failed`, debug values, recap), plus every wait it asked for.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecResult } from '../../src/connection/connection.js';
import { MemoryConnection } from '../../src/connection/memory.js';
import { ConnectionPool } from '../../src/executor/connections.js';
import { EventBus, type RunEvent } from '../../src/executor/events.js';
import { runPlaybook } from '../../src/executor/runner.js';
import { Inventory } from '../../src/inventory/index.js';
import '../../src/modules/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { Secrets } from '../../src/util/secrets.js';
import { VaultSession } from '../../src/vault/session.js';
import { ProblemList } from '../../src/yaml/index.js';
import { outcomeOfEvents } from '../differential/harness.js';
import { ManualClock } from './clock.js';

export interface InProcessCase {
  /** The playbook's YAML. */
  playbook: string;
  /** Other files beside it (included task files), by relative path. */
  files?: Record<string, string>;
  /** Inventory hosts (default h1 h2 h3). */
  hosts?: string[];
  extraVars?: Record<string, unknown>;
  /** Answers a host's command (undefined: the memory connection's tiny shell answers). */
  exec?: (host: string, command: string) => ExecResult | undefined;
}

export interface InProcessOutcome {
  rc: number;
  tasks: string[];
  debug: string[];
  recap: Record<string, string>;
  events: RunEvent[];
  /** Every sleep of the run, in order (until delays, loop pauses, module polls). */
  slept: number[];
  connections: Map<string, MemoryConnection>;
}

export async function runInProcess(c: InProcessCase): Promise<InProcessOutcome> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-inproc-'));
  try {
    for (const [rel, text] of Object.entries({ ...c.files, 'playbook.yml': c.playbook })) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    const hosts = c.hosts ?? ['h1', 'h2', 'h3'];
    writeFileSync(path.join(dir, 'hosts.ini'), `${hosts.join('\n')}\n`);
    const problems = new ProblemList();
    const playbook = await loadPlaybook(path.join(dir, 'playbook.yml'), { problems, ...(c.extraVars ? { extraVars: c.extraVars } : {}) });
    if (problems.hasErrors) throw new Error(problems.format());
    const inventory = await Inventory.load([path.join(dir, 'hosts.ini')]);
    const secrets = new Secrets();
    const bus = new EventBus((v) => secrets.maskValue(v));
    const events: RunEvent[] = [];
    bus.on((e) => events.push(e));
    const connections = new Map<string, MemoryConnection>();
    const connect = (host: string): MemoryConnection => {
      const conn = new MemoryConnection(host, c.exec ? (cmd) => c.exec!(host, cmd) : undefined);
      connections.set(host, conn);
      return conn;
    };
    const pool = new ConnectionPool(connect, () => connect('localhost'));
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const summary = await runPlaybook({ playbook, inventory, pool, bus, secrets, vault: new VaultSession(), extraVars: c.extraVars ?? {}, tags: [], skipTags: [], checkMode: false, diffMode: false, forks: 5, signal: new AbortController().signal, verbosity: 0, clock });
    const outcome = outcomeOfEvents(events as unknown as Record<string, unknown>[]);
    return { rc: summary.exitCode, ...outcome, events, slept: clock.slept, connections };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
