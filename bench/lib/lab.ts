/**
 * Lab fleets for benchmarks: bring one up (timed), take it down, always down on exit or Ctrl-C.
 * Every benchmark names its labs itself ("bench-ssh-16", ...), so labs of other tools are untouched.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { labDown } from '../../lab/fleet/down.js';
import { labSupport } from '../../lab/fleet/support.js';
import { labUp } from '../../lab/fleet/up.js';

export interface BenchLab {
  name: string;
  inventory: string;
  hosts: number;
  /** Wall time of `lab up`, milliseconds, and its phases. */
  upMs: number;
  phases: Record<string, number>;
  down(): Promise<void>;
}

export interface BenchLabOptions {
  name: string;
  servers: number;
  clients: number;
  provision?: boolean;
  latency?: string;
}

const live = new Set<string>();
let hooked = false;

/** On SIGINT/SIGTERM, take down every lab this process brought up, then exit. */
function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: taking down ${[...live].join(', ') || 'no labs'}\n`);
    void Promise.allSettled([...live].map((name) => labDown({ name }))).then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Throws with the reason when this machine cannot build a lab (not root, no sshd, ...). */
export function requireLab(): void {
  const s = labSupport();
  if (!s.ok) throw new Error(`cannot build a lab here: ${s.reason ?? 'unknown reason'}`);
}

export async function benchLab(given: BenchLabOptions): Promise<BenchLab> {
  // ORCHESTRATE_TEST_LAB_PREFIX keeps two checkouts' benchmark labs apart, as it does for tests
  const opts = { ...given, name: `${process.env['ORCHESTRATE_TEST_LAB_PREFIX'] ?? ''}${given.name}` };
  hookSignals();
  await labDown({ name: opts.name }); // a leftover from an interrupted run
  const t0 = performance.now();
  live.add(opts.name);
  const { state, timings } = await labUp({
    name: opts.name,
    servers: opts.servers,
    clients: opts.clients,
    provision: opts.provision ?? false,
    ...(opts.latency ? { latency: opts.latency } : {}),
    warn: (m) => void process.stderr.write(`warning: ${m}\n`),
  });
  const upMs = performance.now() - t0;
  settle();
  return {
    name: state.name,
    inventory: state.inventory,
    hosts: state.hosts.length,
    upMs,
    phases: timings,
    down: async () => {
      if (!live.delete(opts.name)) return;
      await labDown({ name: opts.name });
    },
  };
}

/**
 * Flush what lab up wrote (hundreds of host files) before anything is timed, so the kernel's
 * writeback of the lab's own start-up does not land inside the first measured run.
 */
export function settle(): void {
  spawnSync('sync', { stdio: 'ignore' });
}
