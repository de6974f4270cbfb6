/**
 * The `min` facts other than distribution: platform, user, env, date_time, dns, cmdline, fips,
 * service_mgr, pkg_mgr, ssh host keys, caps, python, selinux, apparmor, as ansible-core's
 * collectors in module_utils/facts/system/*.py report them.
 */
import { PKG_MGR_PATHS } from './script.js';
import { file, keyValues, links, parseExports, part, type Raw } from './sections.js';

export function platformFacts(raw: Raw): Record<string, unknown> {
  const [system = '', nodename = '', kernel = '', machine = ''] = (part(raw, 'uname')[0] ?? '').split(/\s+/);
  const kernelVersion = file(raw, '/proc/sys/kernel/version') ?? part(raw, 'uname')[1] ?? '';
  const fqdn = part(raw, 'fqdn')[0]?.trim() || nodename;
  // platform.architecture() of the Python binary: the machine's word size on every common system
  const bits = /64|s390x/.test(machine) ? '64' : '32';
  const facts: Record<string, unknown> = {
    system, kernel, kernel_version: kernelVersion, machine, nodename,
    hostname: nodename.split('.')[0], fqdn, domain: fqdn.split('.').slice(1).join('.'),
    userspace_bits: bits, architecture: machine,
  };
  if (machine === 'x86_64') facts['userspace_architecture'] = bits === '32' ? 'i386' : 'x86_64';
  const roots = part(raw, 'chroot').filter((l) => /^\d+ \d+$/.test(l.trim()));
  if (roots.length === 2) facts['is_chroot'] = roots[0]!.trim() !== roots[1]!.trim();
  else if (roots.length === 1) facts['is_chroot'] = !['2', '128', '256'].includes(roots[0]!.trim().split(' ')[1]!);
  const machineId = (file(raw, '/var/lib/dbus/machine-id') ?? file(raw, '/etc/machine-id'))?.split('\n')[0];
  if (machineId) facts['machine_id'] = machineId;
  return facts;
}

export function userFacts(raw: Raw): Record<string, unknown> {
  const id = part(raw, 'id')[0] ?? '';
  const num = (key: string): number | undefined => {
    const m = new RegExp(`(?:^|\\s)${key}=(\\d+)`).exec(id);
    return m ? Number(m[1]) : undefined;
  };
  const uid = num('uid') ?? -1;
  const gid = num('gid') ?? -1;
  const name = /uid=\d+\(([^)]*)\)/.exec(id)?.[1] ?? String(uid);
  const pw = (part(raw, 'passwd')[0] ?? '').split(':');
  return {
    user_id: name,
    user_uid: pw[2] !== undefined ? Number(pw[2]) : uid,
    user_gid: pw[3] !== undefined ? Number(pw[3]) : gid,
    user_gecos: pw[4] ?? '',
    user_dir: pw[5] ?? '',
    user_shell: pw[6] ?? '',
    real_user_id: uid,
    effective_user_id: num('euid') ?? uid,
    real_group_id: gid,
    effective_group_id: num('egid') ?? gid,
  };
}

export function envFacts(raw: Raw): Record<string, unknown> {
  return { env: parseExports(part(raw, 'env')) };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function offsetMinutes(z: string): number {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(z);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** date_time from `date +'%s %N %z %Z'` for now, Jan 1 and Jul 1 (for tz_dst). */
export function dateTimeFacts(raw: Raw): Record<string, unknown> {
  const rows = part(raw, 'date').map((l) => l.trim().split(/\s+/));
  const [epoch = '0', nanos = '000000000', tzOffset = '+0000', tz = 'UTC'] = rows[0] ?? [];
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const secs = Number(epoch);
  const micro = nanos.padStart(9, '0').slice(0, 6);
  const local = new Date((secs + offsetMinutes(tzOffset) * 60) * 1000);
  const utc = new Date(secs * 1000);
  const ymd = (d: Date): string => `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  const hms = (d: Date): string => `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const jan1 = Date.UTC(local.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((local.getTime() - jan1) / 86400000);
  const wday = local.getUTCDay();
  // %W: weeks starting on Monday; days before the first Monday are week 0
  const weeknumber = Math.floor((dayOfYear + 7 - ((wday + 6) % 7)) / 7);
  let tzDst = tz;
  const jan = rows[1];
  const jul = rows[2];
  if (jan && jul && jan[3] !== jul[3]) tzDst = offsetMinutes(jan[2] ?? '') > offsetMinutes(jul[2] ?? '') ? jan[3]! : jul[3]!;
  const basic = `${ymd(local).replace(/-/g, '')}T${hms(local).replace(/:/g, '')}`;
  return {
    date_time: {
      year: String(local.getUTCFullYear()), month: p(local.getUTCMonth() + 1), weekday: DAYS[wday], weekday_number: String(wday),
      weeknumber: p(weeknumber), day: p(local.getUTCDate()), hour: p(local.getUTCHours()), minute: p(local.getUTCMinutes()),
      second: p(local.getUTCSeconds()), epoch, epoch_int: epoch, date: ymd(local), time: hms(local),
      iso8601_micro: `${ymd(utc)}T${hms(utc)}.${micro}Z`, iso8601: `${ymd(utc)}T${hms(utc)}Z`,
      iso8601_basic: `${basic}${micro}`, iso8601_basic_short: basic, tz, tz_dst: tzDst, tz_offset: tzOffset,
    },
  };
}

export function dnsFacts(raw: Raw): Record<string, unknown> {
  const dns: Record<string, unknown> = {};
  for (const line of (file(raw, '/etc/resolv.conf') ?? '').split('\n')) {
    if (line.startsWith('#') || line.startsWith(';') || line.trim() === '') continue;
    const [k, ...t] = line.trim().split(/\s+/);
    if (k === 'nameserver') dns['nameservers'] = [...((dns['nameservers'] as string[]) ?? []), ...t];
    else if (k === 'domain' && t.length > 0) dns['domain'] = t[0];
    else if (k === 'search' || k === 'sortlist') dns[k] = t;
    else if (k === 'options') dns['options'] = Object.fromEntries(t.map((o) => { const [a, b] = o.split(/:(.*)/s); return [a, b !== undefined && b !== '' ? b : true]; }));
  }
  return { dns };
}

/** cmdline (last value wins) and proc_cmdline (repeated keys become lists), as cmdline.py. */
export function cmdlineFacts(raw: Raw): Record<string, unknown> {
  const text = file(raw, '/proc/cmdline');
  if (text === undefined) return {};
  const cmdline: Record<string, unknown> = {};
  const proc: Record<string, unknown> = {};
  for (const piece of text.trim().split(/\s+/).filter(Boolean)) {
    const i = piece.indexOf('=');
    const [k, v] = i < 0 ? [piece, true] : [piece.slice(0, i), piece.slice(i + 1)];
    cmdline[k] = v;
    if (k in proc) proc[k] = Array.isArray(proc[k]) ? [...(proc[k] as unknown[]), v] : [proc[k], v];
    else proc[k] = v;
  }
  return { cmdline, proc_cmdline: proc };
}

export function fipsFacts(raw: Raw): Record<string, unknown> {
  return { fips: file(raw, '/proc/sys/crypto/fips_enabled')?.trim() === '1' };
}

function existing(raw: Raw): Set<string> {
  return new Set(part(raw, 'exists'));
}

/** service_mgr as ServiceMgrFactCollector on Linux. */
export function serviceMgrFacts(raw: Raw, system: string): Record<string, unknown> {
  const have = existing(raw);
  const map: Record<string, string> = { procd: 'openwrt_init', 'runit-init': 'runit', svscan: 'svc', 'openrc-init': 'openrc' };
  let proc1: string | undefined = file(raw, '/proc/1/comm')?.trim();
  const initLink = links(raw).get('/sbin/init');
  if (proc1 === undefined && initLink) proc1 = initLink.split('/').pop();
  if (proc1 !== undefined && (proc1 === 'init' || proc1.endsWith('sh') || proc1 === '')) proc1 = undefined;
  if (proc1 !== undefined) return { service_mgr: map[proc1] ?? proc1 };
  let mgr = 'service';
  if (system === 'Linux') {
    const systemctl = have.has('bin systemctl');
    if (systemctl && ['/run/systemd/system/', '/dev/.run/systemd/', '/dev/.systemd/'].some((p) => have.has(p))) mgr = 'systemd';
    else if (have.has('bin initctl') && have.has('/etc/init/')) mgr = 'upstart';
    else if (have.has('/sbin/openrc')) mgr = 'openrc';
    else if (systemctl && initLink && initLink.endsWith('systemd')) mgr = 'systemd';
    else if (have.has('/etc/init.d/')) mgr = 'sysvinit';
  }
  return { service_mgr: mgr };
}

/** pkg_mgr as PkgMgrFactCollector: the last of Ansible's paths that exists, then family defaults. */
export function pkgMgrFacts(raw: Raw, osFamily: string | undefined): Record<string, unknown> {
  const have = existing(raw);
  let mgr = 'unknown';
  for (const [p, name] of PKG_MGR_PATHS) if (have.has(p)) mgr = name;
  if (osFamily === 'RedHat' && mgr !== 'atomic_container') mgr = have.has('/usr/bin/dnf') ? 'dnf' : have.has('/usr/bin/yum') ? 'yum' : mgr;
  else if (osFamily === 'Debian' && mgr !== 'apt') mgr = 'apt';
  else if (osFamily === 'Altlinux' && mgr === 'apt') mgr = 'apt_rpm';
  return { pkg_mgr: mgr };
}

export function sshKeyFacts(raw: Raw): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const algo of ['dsa', 'rsa', 'ecdsa', 'ed25519']) {
    const text = file(raw, `/etc/ssh/ssh_host_${algo}_key.pub`);
    if (!text) continue;
    const [type, key] = text.trim().split(/\s+/);
    facts[`ssh_host_key_${algo}_public`] = key;
    facts[`ssh_host_key_${algo}_public_keytype`] = type;
  }
  return facts;
}

/** system_capabilities from capsh's `Current:` line, as SystemCapabilitiesFactCollector reads it. */
export function capsFacts(raw: Raw): Record<string, unknown> {
  if (!part(raw, 'exists').includes('bin capsh')) return {};
  const cur = `Current: ${capText(raw)}`;
  const value = cur.split(':')[1]!.trim();
  if (value === '=ep') return { system_capabilities_enforced: 'False', system_capabilities: [] };
  return { system_capabilities_enforced: 'True', system_capabilities: cur.split('=')[1]!.split(',').map((s) => s.trim()) };
}

const CAP_NAMES = ['chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore'];

/** libcap's cap_to_text (libcap/cap_text.c) over the CapEff/CapPrm/CapInh of /proc/self/status. */
export function capText(raw: Raw): string {
  const status = file(raw, '/proc/self/status') ?? '';
  const mask = (k: string): bigint => BigInt(`0x${new RegExp(`^${k}:\\s*([0-9a-f]+)`, 'm').exec(status)?.[1] ?? '0'}`);
  const [eff, per, inh] = [mask('CapEff'), mask('CapPrm'), mask('CapInh')];
  const max = Number(file(raw, '/proc/sys/kernel/cap_last_cap') ?? CAP_NAMES.length - 1) + 1;
  const flags = (n: number): number => ((eff >> BigInt(n)) & 1n ? 1 : 0) | ((per >> BigInt(n)) & 1n ? 2 : 0) | ((inh >> BigInt(n)) & 1n ? 4 : 0);
  const histo = new Array<number>(8).fill(0);
  for (let n = 0; n < max; n++) histo[flags(n)]!++;
  let m = 7;
  for (let t = 6; t >= 0; t--) if (histo[t]! >= histo[m]!) m = t;
  const fl = (x: number): string => `${x & 1 ? 'e' : ''}${x & 4 ? 'i' : ''}${x & 2 ? 'p' : ''}`;
  let base = `=${fl(m)}`;
  let rest = '';
  for (let t = 7; t >= 0; t--) {
    if (t === m || !histo[t]) continue;
    const names: string[] = [];
    for (let n = 0; n < max; n++) if (flags(n) === t) names.push(CAP_NAMES[n] ? `cap_${CAP_NAMES[n]}` : String(n));
    rest += ` ${names.join(',')}`;
    const add = t & ~m;
    if (add) {
      let op = '+';
      if (base === '=' && rest.startsWith(' ')) {
        // "= foo+eip" is written "foo=eip"
        base = '';
        rest = rest.slice(1);
        op = '=';
      }
      rest += `${op}${fl(add)}`;
    }
    const drop = ~t & m;
    if (drop) rest += `-${fl(drop)}`;
  }
  return base + rest;
}

/** lsb_release -a, which reads /etc/os-release (Debian's lsb-release-minimal; Ubuntu's gives the same). */
export function lsbFromOsRelease(raw: Raw): Record<string, string> | undefined {
  if (!part(raw, 'exists').includes('bin lsb_release')) return undefined;
  const os = keyValues(file(raw, '/etc/os-release') ?? file(raw, '/usr/lib/os-release'));
  let id = os['ID'] ?? '';
  id = id.charAt(0).toUpperCase() + id.slice(1);
  if (os['NAME'] !== undefined && id.toLowerCase() === os['NAME'].toLowerCase()) id = os['NAME'];
  return { 'Distributor ID': id || 'n/a', Description: os['PRETTY_NAME'] || 'n/a', Release: os['VERSION_ID'] || 'n/a', Codename: os['VERSION_CODENAME'] || 'n/a' };
}

/** Where a Python is, if any (its version as far as the file name tells; Python is never run). */
export function pythonFacts(raw: Raw): Record<string, unknown> {
  const exe = part(raw, 'python')[0];
  const real = exe ? links(raw).get(exe) : undefined;
  if (!exe) return {};
  const m = /python(\d+)(?:\.(\d+))?$/.exec(real ?? exe);
  const version: Record<string, unknown> = {};
  if (m) {
    version['major'] = Number(m[1]);
    if (m[2] !== undefined) version['minor'] = Number(m[2]);
  }
  return { python: { executable: exe, type: 'cpython', version }, discovered_interpreter_python: exe };
}

export function securityFacts(raw: Raw): Record<string, unknown> {
  const have = existing(raw);
  const enforce = file(raw, '/sys/fs/selinux/enforce')?.trim();
  const selinux = enforce === undefined ? { status: 'disabled' } : { status: 'enabled', mode: enforce === '1' ? 'enforcing' : 'permissive' };
  return { selinux, apparmor: { status: have.has('/sys/kernel/security/apparmor') ? 'enabled' : 'disabled' } };
}
