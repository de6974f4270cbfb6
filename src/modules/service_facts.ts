/**
 * service_facts: the host's services as the fact `services` (name → {name, state, status?, source}),
 * as Ansible's service_facts gathers them: sysv (`service --status-all`) where there is no
 * chkconfig or OpenRC, and systemd (list-units, list-unit-files, ActiveState of the rest) when
 * PID 1 is systemd.
 */
import { sections, sh, why } from './lib/sh.js';
import { defineModule, ModuleFailure } from './types.js';

type Services = Record<string, Record<string, string>>;

/** ServiceScanService._list_sysvinit: `[ + ]  name` running, anything else stopped. */
export function parseSysv(out: string, services: Services): void {
  for (const m of out.matchAll(/^\s*\[ (\+|-|\?) \]\s+(.+)$/gm)) {
    if (m[1] === '?') continue;
    services[m[2]!] = { name: m[2]!, state: m[1] === '+' ? 'running' : 'stopped', source: 'sysv' };
  }
}

const BAD = ['not-found', 'masked', 'failed'];

/** SystemctlScanService._list_from_units. */
export function parseUnits(out: string, services: Services): void {
  for (const line of out.split('\n').filter((l) => l.includes('.service'))) {
    let fields = line.split(/\s+/).filter(Boolean);
    let status = 'unknown';
    const bad = BAD.find((b) => fields.includes(b));
    if (bad) {
      status = bad;
      fields = fields.slice(1);
    } else status = fields[2] ?? 'unknown';
    const name = fields[0]!;
    services[name] = { name, state: fields[3] === 'running' ? 'running' : 'stopped', status, source: 'systemd' };
  }
}

/** SystemctlScanService._list_from_unit_files: unit files not listed as units get their ActiveState (`show` output). */
export function parseUnitFiles(out: string, active: Map<string, string>, services: Services): void {
  for (const line of out.split('\n').filter((l) => l.includes('.service'))) {
    const [name, status] = line.split(/\s+/).filter(Boolean);
    if (!name || !status) throw new ModuleFailure(`Malformed output discovered from systemd list-unit-files: ${line}`);
    const cur = services[name];
    if (!cur) services[name] = { name, state: active.get(name) ?? 'unknown', status, source: 'systemd' };
    else if (!BAD.includes(cur['status'] ?? '')) cur['status'] = status;
  }
}

const SCRIPT = `export LC_ALL=C
if command -v service >/dev/null 2>&1 && ! command -v chkconfig >/dev/null 2>&1 && ! command -v rc-status >/dev/null 2>&1; then echo @@sysv; service --status-all 2>/dev/null; fi
if grep -q systemd /proc/1/comm 2>/dev/null && command -v systemctl >/dev/null 2>&1; then
  echo @@units; systemctl list-units --no-pager --type service --all
  echo @@files; systemctl list-unit-files --no-pager --type service --all
  echo @@active; systemctl list-unit-files --no-pager --type service --all | awk '/\\.service/ {print $1}' | while read -r u; do printf '%s ' "$u"; systemctl show "$u" --property=ActiveState | sed 's/^ActiveState=//'; done
fi
echo @@end`;

export const service_facts = defineModule({
  name: 'service_facts',
  target: 'remote',
  checkMode: 'full',
  description: 'The host\'s services (sysv and systemd) as the fact `services`, as ansible.builtin.service_facts.',
  args: {},
  async check(ctx) {
    const r = await sh(ctx, SCRIPT);
    if (!r.stdout.includes('@@end')) throw new ModuleFailure(`service_facts: ${why(r)}`);
    return sections(r.stdout);
  },
  plan(s) {
    const services: Services = {};
    if (s.has('sysv')) parseSysv(s.get('sysv')!, services);
    if (s.has('units')) {
      parseUnits(s.get('units')!, services);
      const active = new Map((s.get('active') ?? '').split('\n').filter(Boolean).map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1).trim() || 'unknown'] as [string, string]));
      parseUnitFiles(s.get('files') ?? '', active, services);
    }
    if (Object.keys(services).length === 0) {
      const msg = 'Failed to find any services. This can be due to privileges or some other configuration issue.';
      return { ok: true, reason: msg, data: { skipped: true, msg } };
    }
    return { ok: true, reason: `${Object.keys(services).length} services`, facts: { services } };
  },
});
