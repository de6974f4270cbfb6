/**
 * service: a service's state and enablement through systemctl on systemd hosts, SysV init scripts
 * elsewhere. As ansible-core's service module (LinuxService): systemctl when the host was booted
 * with systemd (sd_booted's canaries: /run/systemd/system, /dev/.run/systemd, /dev/.systemd, or
 * pid 1 is systemd), otherwise its init script through `service NAME ACTION` and, for `enabled`,
 * update-rc.d.
 */
import { shellQuote } from '../connection/connection.js';
import type { SystemdArgs, UnitState } from './systemd.js';
import { systemd } from './systemd.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  name: { type: 'str', required: true },
  state: { type: 'str', choices: ['started', 'stopped', 'restarted', 'reloaded'] },
  enabled: { type: 'bool' },
  /** Seconds between stop and start on a SysV restart. */
  sleep: { type: 'int' },
  /** Extra arguments for the init script (SysV). */
  arguments: { type: 'str', aliases: ['args'] },
  /** systemd hosts only: passed on to systemctl, as Ansible's service does with its systemd backend. */
  daemon_reload: { type: 'bool', aliases: ['daemon-reload'] },
  scope: { type: 'str', choices: ['system', 'user', 'global'] },
} as const;

export type ServiceArgs = ArgsOf<typeof ARGS>;

/** A SysV service as `service NAME status` and /etc/rc?.d show it. */
export interface SysvState {
  /** The command that runs an action: `service NAME` or the init script itself. */
  control: string;
  running: boolean;
  /** An S link in some /etc/rc?.d. */
  enabled: boolean;
  /** update-rc.d on the host (needed for `enabled`). */
  updateRc: boolean;
}

export type ServiceState = { init: 'systemd'; unit: UnitState } | { init: 'sysv'; sysv: SysvState };
export interface ServiceChange {
  name: string;
  script: string;
}

const SD_BOOTED = `[ -d /run/systemd/system ] || [ -d /dev/.run/systemd ] || [ -d /dev/.systemd ] || grep -qs systemd /proc/1/comm`;

/**
 * Run `cmd` with its output in a temp file (a daemon it starts may keep the descriptors open, so
 * a pipe would never end), then print the output; exits with the command's status.
 */
function captured(cmd: string): string {
  return `f=$(mktemp) || exit 1; ${cmd} >"$f" 2>&1 </dev/null; rc=$?; cat "$f"; rm -f "$f"; exit $rc`;
}

function inspectScript(name: string): string {
  const q = shellQuote(name);
  return [
    `if ${SD_BOOTED}; then echo init=systemd; exit 0; fi`,
    'echo init=sysv',
    `if command -v service >/dev/null 2>&1 && [ -e /etc/init.d/${q} ]; then echo "control=service ${q}"; elif [ -x /etc/init.d/${q} ]; then echo "control=/etc/init.d/${q}"; else echo control=; exit 0; fi`,
    `command -v update-rc.d >/dev/null 2>&1 && echo update_rc=yes`,
    `for l in /etc/rc?.d/S??${q}; do [ -e "$l" ] && { echo enabled=yes; break; }; done`,
    `f=$(mktemp) || exit 1; if command -v service >/dev/null 2>&1; then service ${q} status >"$f" 2>&1 </dev/null; else /etc/init.d/${q} status >"$f" 2>&1 </dev/null; fi; echo "status_rc=$?"; sed 's/^/out:/' "$f"; rm -f "$f"`,
  ].join('\n');
}

/** Is it running? ansible-core LinuxService.get_service_status: keywords of a one-line output, then the status code. */
export function sysvRunning(name: string, rc: number, out: string): boolean {
  if (out.split('\n').length - 1 <= 1) {
    const clean = out.toLowerCase().split(name.toLowerCase()).join('');
    if (clean.includes('stop')) return false;
    if (clean.includes('run')) return !clean.includes('not ');
    if (clean.includes('start') && !clean.includes('not ')) return true;
    if (['could not access pid file', 'is dead and pid file exists', 'dead but subsys locked', 'dead but pid file exists'].some((k) => clean.includes(k))) return false;
  }
  if (rc === 0) return true;
  if (name === 'iptables' && out.includes('ACCEPT')) return true;
  return false;
}

function parseSysv(name: string, stdout: string): SysvState {
  const lines = stdout.split('\n');
  const value = (k: string): string | undefined => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
  const control = value('control') ?? '';
  if (!control) throw new ModuleFailure(`service(${name}): could not find the requested service ${name}: no systemd, and no init script /etc/init.d/${name}`);
  const out = lines.filter((l) => l.startsWith('out:')).map((l) => `${l.slice(4)}\n`).join('');
  return { control, running: sysvRunning(name, Number(value('status_rc') ?? 1), out), enabled: value('enabled') === 'yes', updateRc: value('update_rc') === 'yes' };
}

/** The SysV commands for the wanted state, in order (Ansible: enable first, then the state). */
function sysvPlan(cur: SysvState, args: ServiceArgs): Plan<ServiceChange> {
  const name = args.name;
  const q = shellQuote(name);
  const steps: string[] = [];
  const what: string[] = [];
  if (args.enabled !== undefined && args.enabled !== cur.enabled) {
    if (!cur.updateRc) throw new ModuleFailure(`service(${name}): cannot detect a command to enable the service (no systemd, no update-rc.d)`);
    steps.push(args.enabled ? `update-rc.d ${q} defaults && update-rc.d ${q} enable` : `update-rc.d ${q} disable`);
    what.push(args.enabled ? 'enable' : 'disable');
  }
  const extra = args.arguments ? ` ${args.arguments}` : '';
  const act = (a: string): string => `${cur.control} ${a}${extra}`;
  const step = (label: string, cmd: string): void => void (steps.push(cmd), what.push(label));
  if (args.state === 'started' && !cur.running) step('start', act('start'));
  else if (args.state === 'stopped' && cur.running) step('stop', act('stop'));
  else if (args.state === 'reloaded') step(cur.running ? 'reload' : 'start', act(cur.running ? 'reload' : 'start'));
  else if (args.state === 'restarted') step('restart', `${act('stop')}; ${args.sleep ? `sleep ${args.sleep}; ` : ''}${act('start')}`);
  const data = { name, ...(args.state ? { state: args.state } : {}), ...(args.enabled !== undefined ? { enabled: args.enabled } : {}) };
  if (steps.length === 0) {
    const parts = [args.state ? `service ${name} already ${cur.running ? 'running' : 'stopped'}` : '', args.enabled !== undefined ? `${args.enabled ? 'enabled' : 'not enabled'} in /etc/rc?.d` : ''].filter(Boolean);
    return { ok: true, reason: parts.join(', ') || `service ${name}: nothing to do`, data };
  }
  const before = `running: ${cur.running}\nenabled: ${cur.enabled}\n`;
  const after = `running: ${args.state === 'stopped' ? false : args.state ? true : cur.running}\nenabled: ${args.enabled ?? cur.enabled}\n`;
  return { change: { name, script: captured(`{ ${steps.join(' && ')}; }`) }, summary: `service ${what.join(', ')} ${name} (SysV init)`, diff: [{ path: `${name} (service)`, before, after }], data };
}

function asSystemd(args: ServiceArgs): SystemdArgs {
  return { name: args.name, daemon_reload: args.daemon_reload ?? false, daemon_reexec: false, no_block: false, ...(args.state ? { state: args.state } : {}), ...(args.enabled !== undefined ? { enabled: args.enabled } : {}), ...(args.scope ? { scope: args.scope } : {}) };
}

async function run(ctx: ModuleContext, script: string): Promise<{ rc: number; stdout: string; stderr: string }> {
  return ctx.connection.exec(script, ctx.become ? { become: ctx.become } : {});
}

export const service = defineModule({
  name: 'service',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  async check(ctx, args): Promise<ServiceState> {
    const r = await run(ctx, inspectScript(args.name));
    if (r.rc !== 0) throw new ModuleFailure(`service(${args.name}): ${r.stderr.trim() || `rc ${r.rc}`}`);
    if (r.stdout.startsWith('init=systemd')) return { init: 'systemd', unit: await systemd.check(ctx, asSystemd(args)) };
    if (args.daemon_reload || args.scope) throw new ModuleFailure(`service(${args.name}): daemon_reload and scope need systemd, and the host was not booted with it`);
    return { init: 'sysv', sysv: parseSysv(args.name, r.stdout) };
  },
  plan(cur, args, ctx): Plan<ServiceChange> {
    if (cur.init === 'systemd') return systemd.plan(cur.unit, asSystemd(args), ctx);
    return sysvPlan(cur.sysv, args);
  },
  async apply(ctx, { name, script }) {
    const r = await run(ctx, script);
    if (r.rc !== 0) throw new ModuleFailure(`service(${name}): ${r.stdout.trim() || r.stderr.trim() || `rc ${r.rc}`}`, { rc: r.rc, stdout: r.stdout, stderr: r.stderr });
  },
});
