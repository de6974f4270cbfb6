/** systemd: unit state and enablement via systemctl; state read in one command. */
import { shellQuote } from '../connection/connection.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';
import { sh } from './lib/sh.js';

const ARGS = {
  name: { type: 'str', aliases: ['service', 'unit'] },
  state: { type: 'str', choices: ['started', 'stopped', 'restarted', 'reloaded'] },
  enabled: { type: 'bool' },
  daemon_reload: { type: 'bool', default: false, aliases: ['daemon-reload'], description: 'Run systemctl daemon-reload first (not a change, as in Ansible).' },
  daemon_reexec: { type: 'bool', default: false, aliases: ['daemon-reexec'], description: 'Run systemctl daemon-reexec first (not a change).' },
  masked: { type: 'bool', description: 'Mask (systemctl mask) or unmask the unit; done before enabled and state.' },
  no_block: { type: 'bool', default: false, description: 'Do not wait for the start/stop job (systemctl --no-block).' },
  scope: { type: 'str', choices: ['system', 'user', 'global'], description: 'The systemd manager: system, user (--user) or global.' },
} as const;

export type SystemdArgs = ArgsOf<typeof ARGS>;

/** The change: one script of systemctl commands for the unit. */
export interface UnitChange {
  name: string;
  script: string;
}

/** `direct`: the state was not read; the action does not depend on it (see check). */
export type UnitState = { active: string; enabled: string; reloaded: boolean; direct?: boolean };

const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias', 'static', 'indirect', 'generated']);
const RUNNING = new Set(['active', 'activating', 'reloading']);

function sc(args: SystemdArgs): string {
  return `systemctl${args.scope && args.scope !== 'system' ? ` --${args.scope}` : ''}${args.no_block ? ' --no-block' : ''}`;
}

async function run(ctx: ModuleContext, script: string): Promise<{ rc: number; stdout: string; stderr: string }> {
  return sh(ctx, script);
}

/** The systemctl commands to reach the desired state, in order. */
export function actions(cur: UnitState, args: SystemdArgs): string[] {
  const out: string[] = [];
  // mask/unmask first, as Ansible (is-enabled says "masked"); a unit unmasked here is not enabled
  if (args.masked === true && cur.enabled !== 'masked') out.push('mask');
  if (args.masked === false && cur.enabled === 'masked') out.push('unmask');
  if (args.enabled === true && !ENABLED.has(cur.enabled)) out.push('enable');
  if (args.enabled === false && ENABLED.has(cur.enabled) && cur.enabled !== 'static') out.push('disable');
  const running = RUNNING.has(cur.active);
  if (args.state === 'started' && !running) out.push('start');
  if (args.state === 'stopped' && running) out.push('stop');
  if (args.state === 'restarted') out.push('restart');
  if (args.state === 'reloaded') out.push(running ? 'reload' : 'start');
  return out;
}

/**
 * restarted, and reloaded (reload, or start when not running), need no look at the unit first:
 * outside --check they go straight to one command on the host that also picks reload or start,
 * and a missing unit fails with systemctl's own message. One remote command instead of two for
 * every handler that restarts or reloads a service. With `enabled` the state is read as usual.
 */
function isDirect(args: SystemdArgs, checkMode: boolean): boolean {
  return !checkMode && args.name !== undefined && args.enabled === undefined && args.masked === undefined && (args.state === 'restarted' || args.state === 'reloaded');
}

function directScript(args: SystemdArgs): string {
  const s = sc(args);
  const q = shellQuote(args.name!);
  const reload = `${args.daemon_reload ? `${s} daemon-reload && ` : ''}${args.daemon_reexec ? `${s} daemon-reexec && ` : ''}`;
  if (args.state === 'restarted') return `${reload}${s} restart ${q}`;
  return `${reload}if ${s} is-active --quiet ${q}; then ${s} reload ${q}; else ${s} start ${q}; fi`;
}

function planUnit(cur: UnitState, args: SystemdArgs): Plan<UnitChange> {
  const name = args.name ?? '';
  if (cur.direct) {
    const what = args.state === 'restarted' ? 'restart' : 'reload (start when not running)';
    return { change: { name, script: directScript(args) }, summary: `systemctl ${what} ${name}`, data: { name, state: args.state } };
  }
  const data = { name, status: { ActiveState: cur.active, UnitFileState: cur.enabled }, ...(args.state ? { state: args.state } : {}), ...(args.enabled !== undefined ? { enabled: args.enabled } : {}), ...(args.masked !== undefined ? { masked: args.masked } : {}) };
  const todo = actions(cur, args);
  if (todo.length === 0) {
    const parts = [args.state ? `service ${name} already ${cur.active === 'active' ? 'running' : cur.active}` : '', args.masked !== undefined ? `${name} ${args.masked ? 'masked' : 'not masked'}` : '', args.enabled !== undefined ? `${args.enabled ? 'enabled' : 'not enabled'} (${cur.enabled})` : '', cur.reloaded ? 'daemon reloaded' : ''].filter(Boolean);
    return { ok: true, reason: parts.join(', ') || `service ${name}: nothing to do`, data };
  }
  const before = `active: ${cur.active}\nenabled: ${cur.enabled}\n`;
  const enabledAfter = args.enabled !== undefined ? (args.enabled ? 'enabled' : 'disabled') : args.masked === true ? 'masked' : args.masked === false && cur.enabled === 'masked' ? 'unmasked' : cur.enabled;
  const after = `active: ${args.state === 'stopped' ? 'inactive' : args.state ? 'active' : cur.active}\nenabled: ${enabledAfter}\n`;
  const script = todo.map((a) => `${sc(args)} ${a} ${shellQuote(name)}`).join(' && ');
  return { change: { name, script }, summary: `systemctl ${todo.join(', ')} ${name}`, diff: [{ path: `${name} (service)`, before, after }], data };
}

export const systemd = defineModule({
  name: 'systemd',
  aliases: ['systemd_service', 'ansible.builtin.systemd_service'],
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  validate(args) {
    if (args.name === undefined && (args.state !== undefined || args.enabled !== undefined || args.masked !== undefined)) return ['name is required with state, enabled or masked'];
    if (args.name === undefined && !args.daemon_reload && !args.daemon_reexec) return ['one of the following is required: state, enabled, masked, daemon_reload, daemon_reexec'];
    return [];
  },
  // daemon-reload is idempotent and not a change (as in Ansible); it runs in the same command as the
  // state query, and not in --check.
  async check(ctx, args): Promise<UnitState> {
    if (isDirect(args, ctx.checkMode)) return { active: 'unknown', enabled: 'unknown', reloaded: false, direct: true };
    const reload = args.daemon_reload && !ctx.checkMode;
    const reexec = args.daemon_reexec && !ctx.checkMode;
    const q = args.name ? shellQuote(args.name) : '';
    const parts = [reload ? `${sc(args)} daemon-reload || exit 1` : '', reexec ? `${sc(args)} daemon-reexec || exit 1` : ''];
    if (args.name) parts.push(`echo "active=$(${sc(args)} is-active ${q} 2>/dev/null)"`, `echo "enabled=$(${sc(args)} is-enabled ${q} 2>/dev/null)"`);
    const r = await run(ctx, parts.filter(Boolean).join('\n'));
    if (r.rc !== 0) throw new ModuleFailure(`systemd(${args.name ?? 'daemon-reload'}): systemctl failed: ${r.stderr.trim() || `rc ${r.rc}`}`);
    const get = (k: string): string => /^(\w+)=(.*)$/m.exec(r.stdout.split('\n').find((l) => l.startsWith(`${k}=`)) ?? '')?.[2]?.trim() ?? '';
    const st: UnitState = { active: get('active') || 'unknown', enabled: get('enabled') || 'not-found', reloaded: reload };
    if (args.name && (args.state !== undefined || args.enabled !== undefined) && st.enabled === 'not-found' && st.active !== 'active' && !ctx.checkMode) {
      throw new ModuleFailure(`systemd(${args.name}): could not find the requested service ${args.name}`);
    }
    return st;
  },
  plan: (cur, args) => planUnit(cur, args),
  async apply(ctx, { name, script }) {
    const r = await run(ctx, script);
    if (r.rc !== 0) throw new ModuleFailure(`systemd(${name}): ${script} failed: ${r.stderr.trim() || `rc ${r.rc}`}`, { rc: r.rc, stderr: r.stderr });
  },
});
