/** The lab's inventory (Ansible YAML) and known_hosts, written from its state. */
import { relative, isAbsolute } from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from './naming.js';
import { writeAtomic, type LabState } from './state.js';

/** A path as the inventory writes it: relative to the repo root when inside it. */
export function repoPath(p: string): string {
  const rel = relative(repoRoot(), p);
  return rel.startsWith('..') || isAbsolute(rel) ? p : rel;
}

export function inventoryDoc(state: LabState): Record<string, unknown> {
  const hostVars = (h: LabState['hosts'][number]): Record<string, unknown> => ({
    ansible_host: h.proxyPort ? state.bridgeIp : h.address,
    ...(h.proxyPort ? { ansible_port: h.proxyPort, lab_address: h.address } : {}),
    ansible_user: 'root',
    ansible_ssh_private_key_file: repoPath(state.privateKey),
    ansible_ssh_common_args: `-o UserKnownHostsFile=${repoPath(state.knownHosts)}`,
  });
  const group = (role: string): Record<string, unknown> => ({
    hosts: Object.fromEntries(state.hosts.filter((h) => h.role === role).map((h) => [h.name, hostVars(h)])),
  });
  return {
    all: {
      vars: {
        lab_name: state.name,
        lab_bridge_ip: state.bridgeIp,
        vault_addr: `http://${state.bridgeIp}:8200`,
        ...state.vars,
      },
      children: { servers: group('server'), clients: group('client') },
    },
  };
}

export function writeInventory(state: LabState): void {
  const header = `# Written by "orchestrate lab up" for lab "${state.name}"; rewritten on every lab up.\n`;
  writeAtomic(state.inventory, header + yaml.dump(inventoryDoc(state), { lineWidth: 200, noRefs: true }));
}

/** known_hosts with every host's key, under its address and (with latency) its proxy address. */
export function writeKnownHosts(state: LabState, hostKeys: Map<string, string>): void {
  const lines: string[] = [];
  for (const h of state.hosts) {
    const key = hostKeys.get(h.name);
    if (!key) continue;
    const [type, body] = key.split(/\s+/);
    lines.push(`${h.address} ${type} ${body}`);
    if (h.proxyPort) lines.push(`[${state.bridgeIp}]:${h.proxyPort} ${type} ${body}`);
  }
  writeAtomic(state.knownHosts, `${lines.join('\n')}\n`);
}
