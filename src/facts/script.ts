/**
 * The facts script: one POSIX sh script per host, run once through the host's persistent shell
 * (one round trip). It only reads: files are read by a single `grep -sH ''` (one process for all
 * of /etc/os-release, /proc/meminfo, /sys/class/net/*, ...), and about ten commands print what no
 * file holds (uname, hostname -f, id, date, ip route/addr in one `ip -batch`, one `stat -f` for all
 * mounts, one `ls -ld` for the links). What Ansible asks a program for that only reads files
 * (capsh, lsb_release, nproc) is computed from the same files instead. Every part is headed by `@@orc:NAME`; parse.ts
 * turns the output into Ansible's fact names.
 */
import { shellQuote } from '../connection/connection.js';
import type { Part } from './subset.js';

/** Files read for each part (globs are expanded by the shell; missing files are skipped). */
const FILES: Partial<Record<Part, string[]>> = {
  platform: ['/proc/sys/kernel/ostype', '/proc/sys/kernel/osrelease', '/proc/sys/kernel/version', '/proc/sys/kernel/hostname', '/etc/machine-id', '/var/lib/dbus/machine-id'],
  distribution: ['/etc/os-release', '/usr/lib/os-release', '/etc/debian_version', '/etc/redhat-release', '/etc/alpine-release', '/etc/lsb-release'],
  lsb: ['/etc/lsb-release', '/etc/os-release', '/usr/lib/os-release'],
  dns: ['/etc/resolv.conf'],
  cmdline: ['/proc/cmdline'],
  fips: ['/proc/sys/crypto/fips_enabled'],
  service_mgr: ['/proc/1/comm'],
  ssh_pub_keys: ['/etc/ssh/ssh_host_dsa_key.pub', '/etc/ssh/ssh_host_rsa_key.pub', '/etc/ssh/ssh_host_ecdsa_key.pub', '/etc/ssh/ssh_host_ed25519_key.pub'],
  caps: ['/proc/self/status', '/proc/sys/kernel/cap_last_cap'],
  hardware: ['/proc/self/status', '/proc/meminfo', '/proc/mounts', '/proc/self/mountinfo', '/proc/uptime', '/proc/loadavg', '/sys/devices/virtual/dmi/id/*'],
  selinux: ['/sys/fs/selinux/enforce'],
  interfaces: ['/sys/class/net/*/address', '/sys/class/net/*/mtu', '/sys/class/net/*/operstate', '/sys/class/net/*/type', '/sys/class/net/*/flags', '/sys/class/net/*/speed', '/sys/class/net/*/bridge/bridge_id', '/sys/class/net/*/bridge/stp_state'],
};

/** Paths whose existence the service_mgr and pkg_mgr logic looks at (Ansible's lists). */
export const PKG_MGR_PATHS: [string, string][] = [
  ['/usr/bin/rpm-ostree', 'atomic_container'], ['/usr/bin/yum', 'yum'], ['/usr/bin/dnf', 'dnf'], ['/usr/bin/apt-get', 'apt'],
  ['/usr/bin/zypper', 'zypper'], ['/usr/sbin/urpmi', 'urpmi'], ['/usr/bin/pacman', 'pacman'], ['/bin/opkg', 'opkg'],
  ['/usr/pkg/bin/pkgin', 'pkgng'], ['/opt/local/bin/pkgin', 'pkgin'], ['/opt/tools/bin/pkgin', 'pkgin'], ['/opt/local/bin/port', 'macports'],
  ['/usr/local/bin/brew', 'homebrew'], ['/opt/homebrew/bin/brew', 'homebrew'], ['/sbin/apk', 'apk'], ['/usr/sbin/pkg', 'pkgng'],
  ['/usr/sbin/swlist', 'swdepot'], ['/usr/bin/emerge', 'portage'], ['/usr/sbin/pkgadd', 'svr4pkg'], ['/usr/bin/pkg', 'pkg5'],
  ['/usr/bin/xbps-install', 'xbps'], ['/usr/local/sbin/pkg', 'pkgng'], ['/usr/bin/swupd', 'swupd'], ['/usr/sbin/sorcery', 'sorcery'],
  ['/usr/bin/installp', 'installp'],
];
const SERVICE_PATHS = ['/run/systemd/system/', '/dev/.run/systemd/', '/dev/.systemd/', '/etc/init/', '/sbin/openrc', '/etc/init.d/', '/sys/kernel/security/apparmor'];

/** Commands per part: each prints under its own header. Each is at most one process. */
const COMMANDS: Partial<Record<Part, string>> = {
  platform: 'h uname; uname -snrm; [ -r /proc/sys/kernel/version ] || uname -v\nh fqdn; hostname -f 2>/dev/null || hostname 2>/dev/null\nh chroot; stat -c "%d %i" / /proc/1/root/. 2>/dev/null',
  user: 'h id; __i=$(id); echo "$__i"; __u=${__i#*\\(}; __u=${__u%%\\)*}\nh passwd; grep "^$__u:" /etc/passwd 2>/dev/null || getent passwd "$__u" 2>/dev/null',
  env: 'h env; export -p',
  date_time: "h date; { echo now; echo 'jan 1'; echo 'jul 1'; } | date -f - '+%s %N %z %Z' 2>/dev/null || date '+%s 000000000 %z %Z'",
  python: 'h python; for __p in python3 python /usr/libexec/platform-python python2; do __x=$(command -v $__p) && { echo "$__x"; break; }; done',
  hardware:
    "h cpuinfo; grep -E '^(processor|vendor_id|model name|Processor|cpu|Vendor|physical id|core id|cpu cores|siblings|# processors|ncpus active)[[:space:]]*:' /proc/cpuinfo\n" +
    // the mounts Ansible reports (device a path or host:/path, fstype not none), one statfs call for all
    "h statfs; set --; while read -r __d __m __t __r; do case $__d in /*|\\\\*|*:/*) [ \"$__t\" = none ] || set -- \"$@\" \"$__m\";; esac; done </proc/mounts; [ $# -gt 0 ] && stat -f -c '%S %s %b %f %a %c %d %n' \"$@\" 2>/dev/null",
  interfaces: "h ip; printf 'route get 8.8.8.8\\nroute get 2404:6800:400a:800::1012\\naddr show\\n' | ip -force -batch - 2>/dev/null\n" +
    'h brif; for __b in /sys/class/net/*/brif/*; do [ -e "$__b" ] && echo "$__b"; done',
  selinux: 'h selinux_cfg; command -v getenforce >/dev/null && getenforce',
};

function has(parts: ReadonlySet<Part>, p: Part): boolean {
  return parts.has(p);
}

/** The script that gathers `parts`. */
export function factsScript(parts: ReadonlySet<Part>, factPath = '/etc/ansible/facts.d'): string {
  const files = new Set<string>();
  for (const [p, list] of Object.entries(FILES)) if (has(parts, p as Part)) for (const f of list) files.add(f);
  // local facts: static *.fact files are read with the others, executable ones are run (as Ansible)
  const localGlob = `${shellQuote(factPath.replace(/\/+$/, ''))}/*.fact`;
  if (has(parts, 'local')) files.add(localGlob);
  const lines = ['h() { printf \'\\n@@orc:%s\\n\' "$1"; }'];
  // the environment first, before this script sets LC_ALL for the commands that follow
  if (has(parts, 'env')) lines.push(COMMANDS.env!);
  lines.push('LC_ALL=C; export LC_ALL');
  if (files.size > 0) {
    const globbed = [...files].map((f) => (f.includes('*') ? f : shellQuote(f))).join(' ');
    lines.push(`h files; grep -sH '' ${globbed}`);
  }
  if (['service_mgr', 'pkg_mgr', 'apparmor', 'caps', 'lsb'].some((p) => has(parts, p as Part))) {
    const paths = [...SERVICE_PATHS, ...PKG_MGR_PATHS.map(([p]) => p)];
    lines.push(`h exists; for __f in ${paths.map(shellQuote).join(' ')}; do [ -e "$__f" ] && echo "$__f"; done; for __c in systemctl initctl capsh lsb_release; do command -v $__c >/dev/null && echo "bin $__c"; done`);
  }
  for (const [p, cmd] of Object.entries(COMMANDS)) if (p !== 'env' && has(parts, p as Part)) lines.push(cmd);
  if (has(parts, 'local')) lines.push(`for __f in ${localGlob}; do [ -f "$__f" ] && [ -x "$__f" ] && { h "factexec:$__f"; "$__f" 2>/dev/null; }; done`);
  const links: string[] = [];
  if (has(parts, 'python')) links.push('${__x:-}');
  if (has(parts, 'service_mgr')) links.push('/sbin/init');
  if (has(parts, 'hardware')) links.push('/dev/disk/by-uuid/*');
  if (has(parts, 'interfaces')) links.push('/sys/class/net/*/device');
  if (links.length > 0) lines.push(`h links; ls -ld ${links.join(' ')} 2>/dev/null`);
  lines.push('h end; :');
  return lines.join('\n') + '\n';
}
