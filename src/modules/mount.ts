/**
 * mount (ansible.posix.mount, Linux): the fstab entry of a mount point edited as the collection
 * edits it, and the mount itself mounted, unmounted or remounted with mount/umount, in the same
 * cases. Mounted-or-not is read from /proc/self/mountinfo (bind mounts included).
 */
import { shellQuote } from '../connection/connection.js';
import { setMount, unsetMount } from './lib/fstab.js';
import { argv, sections, sh, why } from './lib/sh.js';
import type { ArgsOf, ModuleContext, Plan } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  path: { type: 'path', required: true, aliases: ['name'], description: 'The mount point.' },
  src: { type: 'path', description: 'Device, label, UUID=..., or directory to mount; required with mounted, present and ephemeral.' },
  fstype: { type: 'str', description: 'Filesystem type; required with mounted, present and ephemeral.' },
  opts: { type: 'str', description: 'Mount options (default "defaults").' },
  dump: { type: 'str', default: '0', description: 'The fstab dump field.' },
  passno: { type: 'str', default: '0', description: 'The fstab pass field.' },
  fstab: { type: 'str', description: 'The fstab file (default /etc/fstab); another file is passed to mount with -T.' },
  boot: { type: 'bool', default: true, description: 'false adds noauto to the options (unless they contain defaults).' },
  backup: { type: 'bool', default: false, description: 'Not supported: refused.' },
  state: { type: 'str', required: true, choices: ['absent', 'absent_from_fstab', 'mounted', 'present', 'unmounted', 'remounted', 'ephemeral'], description: 'mounted: in fstab and mounted (the directory made); present: in fstab only; unmounted: unmounted, fstab kept; absent: out of fstab, unmounted, the directory removed; absent_from_fstab: out of fstab only; remounted: remount; ephemeral: mounted without fstab.' },
} as const;

type MountArgs = ArgsOf<typeof ARGS>;

interface MountState {
  fstabText: string;
  fstabExists: boolean;
  /** Mount points (mountinfo's dst) → their source. */
  mounts: Map<string, string>;
  pathExists: boolean;
}

/** The values Ansible computes from the arguments (args dict): registered as the result. */
function resolved(a: MountArgs): { name: string; opts: string; dump: string; passno: string; fstab: string; boot: string; src?: string; fstype?: string } {
  let opts = a.opts ?? 'defaults';
  let boot = 'yes';
  const list = opts.split(',');
  if (!list.includes('noauto') && !a.boot) {
    boot = 'no';
    if (!list.includes('defaults')) opts = [...list, 'noauto'].join(',');
  }
  return { name: a.path, opts, dump: a.dump, passno: a.passno, fstab: a.fstab ?? '/etc/fstab', boot, ...(a.src !== undefined ? { src: a.src } : {}), ...(a.fstype !== undefined ? { fstype: a.fstype } : {}) };
}

/** get_linux_mounts, reduced to what the module asks: is DEST a mount point, and of which source. */
export function parseMountinfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    m.set(f[4]!, f[f.length - 2]!);
  }
  return m;
}

async function read(ctx: ModuleContext, a: MountArgs): Promise<MountState> {
  const file = a.fstab ?? '/etc/fstab';
  const r = await sh(ctx, `echo @@mi; cat /proc/self/mountinfo\necho @@p; [ -e ${shellQuote(a.path)} ] && echo yes\necho @@end`);
  if (!r.stdout.includes('@@end')) throw new ModuleFailure(`mount(${a.path}): ${why(r)}`);
  const s = sections(r.stdout);
  const st = await ctx.connection.stat(file);
  const fstabText = st.exists ? (await ctx.connection.readFile(file)).toString('utf8') : '';
  return { fstabText, fstabExists: st.exists, mounts: parseMountinfo(s.get('mi') ?? ''), pathExists: (s.get('p') ?? '').trim() === 'yes' };
}

type Step = { do: 'fstab'; content: string } | { do: 'mkdir' } | { do: 'mount' } | { do: 'umount' } | { do: 'remount' } | { do: 'rmdir' };

interface MountChange {
  a: ReturnType<typeof resolved>;
  state: string;
  steps: Step[];
  oldFstab: string;
}

function fstabArgs(fstab: string): string[] {
  return fstab !== '/etc/fstab' ? ['-T', fstab] : [];
}

function mountCmd(c: MountChange): string {
  if (c.state === 'ephemeral') return argv(['mount', '-t', c.a.fstype!, ...(c.a.opts !== 'defaults' ? ['-o', c.a.opts] : []), c.a.src!, c.a.name]);
  return argv(['mount', ...fstabArgs(c.a.fstab), c.a.name]);
}

function remountCmd(c: MountChange): string {
  const o = c.state === 'remounted' && c.a.opts !== 'defaults' ? `remount,${c.a.opts}` : 'remount';
  if (c.state === 'ephemeral') return argv(['mount', '-o', o, '-t', c.a.fstype!, ...(c.a.opts !== 'defaults' ? ['-o', c.a.opts] : []), c.a.src!, c.a.name]);
  return argv(['mount', '-o', o, ...fstabArgs(c.a.fstab), c.a.name]);
}

export function planMount(st: MountState, args: MountArgs): Plan<MountChange> {
  const a = resolved(args);
  const mounted = st.mounts.has(a.name);
  const steps: Step[] = [];
  const what: string[] = [];
  const fstabStep = (lines: string[]): Step => ({ do: 'fstab', content: lines.join('') });
  const state = args.state;
  if (state === 'absent' || state === 'absent_from_fstab') {
    const u = unsetMount(st.fstabText, a.name, args.src);
    if (u.changed) {
      steps.push(fstabStep(u.lines));
      what.push(`remove ${a.name} from ${a.fstab}`);
      if (state === 'absent') {
        if (mounted) (steps.push({ do: 'umount' }), what.push(`unmount ${a.name}`));
        if (st.pathExists) (steps.push({ do: 'rmdir' }), what.push(`remove directory ${a.name}`));
      }
    }
  } else if (state === 'unmounted') {
    if (mounted) (steps.push({ do: 'umount' }), what.push(`unmount ${a.name}`));
  } else if (state === 'present') {
    const s = setMount(st.fstabText, { src: a.src!, name: a.name, fstype: a.fstype!, opts: a.opts, dump: a.dump, passno: a.passno }, args.src !== undefined);
    if (s.changed) (steps.push(fstabStep(s.lines)), what.push(`set ${a.name} in ${a.fstab}`));
  } else if (state === 'remounted') {
    steps.push({ do: 'remount' });
    what.push(`remount ${a.name}`);
  } else {
    if (!st.pathExists) steps.push({ do: 'mkdir' });
    let changed = false;
    if (state === 'mounted') {
      const s = setMount(st.fstabText, { src: a.src!, name: a.name, fstype: a.fstype!, opts: a.opts, dump: a.dump, passno: a.passno }, args.src !== undefined);
      if (s.changed) (steps.push(fstabStep(s.lines)), what.push(`set ${a.name} in ${a.fstab}`), (changed = true));
    }
    if (mounted) {
      if (state === 'ephemeral') {
        if (st.mounts.get(a.name) !== a.src) throw new ModuleFailure('Ephemeral mount point is already mounted with a different source than the specified one. Failing in order to prevent an unwanted unmount or override operation. Try replacing this command with a "state: unmounted" followed by a "state: ephemeral", or use a different destination path.');
        changed = true;
      }
      if (changed) (steps.push({ do: 'remount' }), what.push(`remount ${a.name}`));
    } else (steps.push({ do: 'mount' }), what.push(`mount ${a.name}`));
  }
  const data = { ...a, backup_file: '' };
  if (what.length === 0) return { ok: true, reason: `${a.name} already ${state === 'present' ? `in ${a.fstab}` : state === 'unmounted' ? 'not mounted' : state.startsWith('absent') ? `not in ${a.fstab}` : `mounted and in ${a.fstab}`}`, data };
  const fs = steps.find((s): s is Extract<Step, { do: 'fstab' }> => s.do === 'fstab');
  return {
    change: { a, state, steps, oldFstab: st.fstabText },
    summary: what.join(', '),
    ...(fs ? { diff: [{ path: a.fstab, before: st.fstabText, after: fs.content }] } : {}),
    data,
  };
}

async function run(ctx: ModuleContext, cmd: string): Promise<string | undefined> {
  const r = await sh(ctx, cmd);
  return r.rc === 0 ? undefined : `${r.stdout}${r.stderr}`;
}

async function writeFstab(ctx: ModuleContext, file: string, content: string): Promise<void> {
  const st = await ctx.connection.stat(file);
  if (!st.exists) await ctx.connection.mkdir(file.replace(/\/[^/]*$/, '') || '/');
  await ctx.connection.writeFile(file, content, { mode: st.exists && st.mode !== undefined ? st.mode : 0o644, existing: st });
}

export const mount = defineModule({
  name: 'mount',
  aliases: ['ansible.posix.mount'],
  target: 'remote',
  checkMode: 'full',
  description: 'Control fstab entries and active mounts (mount, umount, remount), as ansible.posix.mount on Linux.',
  args: ARGS,
  validate(a) {
    const p: string[] = [];
    if (['mounted', 'present', 'ephemeral'].includes(a.state)) for (const k of ['src', 'fstype'] as const) if (a[k] === undefined) p.push(`state is ${a.state} but all of the following are missing: ${k}`);
    if (a.backup) p.push('backup is not supported');
    return p;
  },
  check: read,
  plan: planMount,
  async apply(ctx, c) {
    const { a } = c;
    let created = false;
    for (const s of c.steps) {
      if (s.do === 'fstab') await writeFstab(ctx, a.fstab, s.content);
      else if (s.do === 'mkdir') {
        const r = await sh(ctx, `mkdir -p ${shellQuote(a.name)}`);
        if (r.rc !== 0) throw new ModuleFailure(`Error making dir ${a.name}: ${why(r)}`);
        created = true;
      } else if (s.do === 'umount') {
        const e = await run(ctx, argv(['umount', a.name]));
        if (e !== undefined) throw new ModuleFailure(`Error unmounting ${a.name}: ${e}`);
      } else if (s.do === 'rmdir') {
        const r = await sh(ctx, `rmdir ${shellQuote(a.name)}`);
        if (r.rc !== 0) throw new ModuleFailure(`Error rmdir ${a.name}: ${why(r)}`);
      } else if (s.do === 'remount' && c.state === 'remounted') {
        let e = await run(ctx, remountCmd(c));
        if (e !== undefined && a.opts !== 'defaults') throw new ModuleFailure('Options were specified with remounted, but the remount command failed. Failing in order to prevent an unexpected mount result. Try replacing this command with a "state: unmounted" followed by a "state: mounted" using the full desired mount options instead.');
        if (e !== undefined) e = (await run(ctx, argv(['umount', a.name]))) ?? (await run(ctx, mountCmd(c)));
        if (e !== undefined) throw new ModuleFailure(`Error remounting ${a.name}: ${e}`);
      } else {
        // mount, or the remount of mounted/ephemeral (remount, else umount + mount); a failure puts fstab back and removes the directories made
        let e = s.do === 'mount' ? await run(ctx, mountCmd(c)) : await run(ctx, remountCmd(c));
        if (e !== undefined && s.do === 'remount') e = (await run(ctx, argv(['umount', a.name]))) ?? (await run(ctx, mountCmd(c)));
        if (e !== undefined) {
          if (c.state !== 'ephemeral' && c.steps.some((x) => x.do === 'fstab')) await writeFstab(ctx, a.fstab, c.oldFstab).catch(() => undefined);
          if (created) await sh(ctx, `rmdir ${shellQuote(a.name)}`).catch(() => undefined);
          throw new ModuleFailure(`Error mounting ${a.name}: ${e}`);
        }
      }
    }
  },
});
