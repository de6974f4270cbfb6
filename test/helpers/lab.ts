/**
 * Lab fleet for e2e tests: `startLab` brings up real sshd hosts (each in its own network and
 * mount namespace) and writes their inventory; `labSupported` says whether this machine can.
 * Give every test file its own lab name: labs with different names run side by side.
 * `ORCHESTRATE_TEST_LAB_PREFIX` (e.g. "w2-") is put before every name, so two checkouts can run
 * their e2e tests on one machine at the same time.
 */
import { labDown } from '../../lab/fleet/down.js';
import { labSupport } from '../../lab/fleet/support.js';
import { labUp } from '../../lab/fleet/up.js';
import type { DebSpec } from '../../lab/fleet/apt-debs.js';

export interface StartLabOptions {
  name: string;
  servers: number;
  clients: number;
  /** Round-trip latency in front of every sshd, e.g. "20ms" (needs dist/ built). */
  latency?: string;
  /** Run lab/standins/provision.sh in each host (default true). */
  provision?: boolean;
  /** The lab Vault: shamir (default), auto-unseal, tls, auto-unseal+tls (see `lab up --vault-mode`). */
  vaultMode?: string;
  /** Packages of this machine and test packages the lab's apt repository serves (see `lab up --apt-packages`). */
  aptPackages?: string[];
  aptSpecs?: DebSpec[];
}

export interface LabHandle {
  name: string;
  /** The lab's state dir. */
  dir: string;
  /** Path of the inventory written for this lab. */
  inventory: string;
  hosts: { name: string; address: string }[];
  /** Private key authorized for root and labuser on every host. */
  key: string;
  knownHosts: string;
  bridgeIp: string;
  vars: Record<string, unknown>;
  down(): Promise<void>;
}

/** Root + ip netns + sshd (and friends); otherwise the reason, for `describe.skipIf`. */
export function labSupported(): { ok: boolean; reason?: string } {
  return labSupport();
}

/** The lab name a test's base name gets on this machine (see ORCHESTRATE_TEST_LAB_PREFIX). */
export function labName(base: string): string {
  return `${process.env['ORCHESTRATE_TEST_LAB_PREFIX'] ?? ''}${base}`;
}

export async function startLab(opts: StartLabOptions): Promise<LabHandle> {
  const name = labName(opts.name);
  // A lab left over from an interrupted run of the same test is taken down first.
  await labDown({ name });
  const { state } = await labUp({
    name,
    servers: opts.servers,
    clients: opts.clients,
    latency: opts.latency,
    provision: opts.provision,
    vaultMode: opts.vaultMode,
    aptPackages: opts.aptPackages,
    aptSpecs: opts.aptSpecs,
    warn: () => undefined,
  });
  let downed = false;
  return {
    name: state.name,
    dir: state.dir,
    inventory: state.inventory,
    hosts: state.hosts.map((h) => ({ name: h.name, address: h.address })),
    key: state.privateKey,
    knownHosts: state.knownHosts,
    bridgeIp: state.bridgeIp,
    vars: state.vars,
    down: async () => {
      if (downed) return;
      downed = true;
      await labDown({ name: state.name });
    },
  };
}
