/**
 * The `hardware` facts as ansible-core's LinuxHardware reports them
 * (module_utils/facts/hardware/linux.py): memory, CPUs, mounts, DMI, uptime, load average.
 */
import { file, links, part, type Raw } from './sections.js';

export function memoryFacts(raw: Raw): Record<string, unknown> {
  const mem: Record<string, number> = {};
  for (const line of (file(raw, '/proc/meminfo') ?? '').split('\n')) {
    const m = /^(\w+):\s*(\d+)/.exec(line);
    if (m) mem[m[1]!.toLowerCase()] = Math.floor(Number(m[2]) / 1024);
  }
  if (mem['memtotal'] === undefined) return {};
  const facts: Record<string, unknown> = {};
  for (const k of ['memtotal', 'swaptotal', 'memfree', 'swapfree']) if (mem[k] !== undefined) facts[`${k}_mb`] = mem[k];
  const nocacheFree = (mem['cached'] ?? 0) + (mem['memfree'] ?? 0) + (mem['buffers'] ?? 0);
  facts['memory_mb'] = {
    real: { total: mem['memtotal'], used: mem['memtotal'] - (mem['memfree'] ?? 0), free: mem['memfree'] },
    nocache: { free: nocacheFree, used: mem['memtotal'] - nocacheFree },
    swap: { total: mem['swaptotal'], free: mem['swapfree'], used: (mem['swaptotal'] ?? 0) - (mem['swapfree'] ?? 0), cached: mem['swapcached'] },
  };
  return facts;
}

export function cpuFacts(raw: Raw, architecture: string): Record<string, unknown> {
  const processor: string[] = [];
  let vendors = 0;
  let models = 0;
  let procs = 0;
  let i = 0;
  let physid = '0';
  let coreid = '0';
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();
  let explicitCores: number | undefined;
  for (const line of part(raw, 'cpuinfo')) {
    const at = line.indexOf(':');
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const val = at < 0 ? '' : line.slice(at + 1).trim();
    if (['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor'].includes(key)) {
      processor.push(val);
      if (key === 'vendor_id') vendors++;
      if (key === 'model name') models++;
      if (key === 'processor') procs++;
      i++;
    } else if (key === 'physical id') {
      physid = val;
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'core id') {
      coreid = val;
      if (!sockets.has(coreid)) cores.set(coreid, 1);
    } else if (key === 'cpu cores') sockets.set(physid, Number(val));
    else if (key === 'siblings') cores.set(coreid, Number(val));
    else if (key === '# processors') explicitCores = Number(val);
    else if (key === 'ncpus active') i = Number(val);
  }
  if (vendors > 0 && vendors === models) i = vendors;
  if (/^(armv|aarch|ppc)/.test(architecture)) i = procs;
  const facts: Record<string, unknown> = { processor };
  const count = sockets.size > 0 ? sockets.size : i;
  const first = [...sockets.values()][0];
  const coresPer = explicitCores ?? (first ? first : 1);
  const coreVals = [...cores.values()];
  const threads = Math.floor((coreVals.length > 0 ? coreVals[0]! : 1) / coresPer);
  facts['processor_count'] = count;
  facts['processor_cores'] = coresPer;
  facts['processor_threads_per_core'] = threads;
  facts['processor_vcpus'] = threads * count * coresPer;
  // os.sched_getaffinity(0): the CPUs this process may run on
  const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(file(raw, '/proc/self/status') ?? '')?.[1];
  const nproc = allowed ? allowed.split(',').reduce((n, r) => { const [a, b] = r.split('-').map(Number); return n + (b === undefined ? 1 : b! - a! + 1); }, 0) : 0;
  facts['processor_nproc'] = nproc > 0 ? nproc : procs;
  return facts;
}

/** `\040`-style escapes of /proc/mounts. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function mountFacts(raw: Raw): Record<string, unknown> {
  const stat = new Map<string, number[]>();
  for (const line of part(raw, 'statfs')) {
    const m = /^(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$/.exec(line);
    if (m) stat.set(m[8]!, m.slice(1, 8).map(Number));
  }
  const uuids = new Map<string, string>();
  for (const [link, target] of links(raw)) {
    const m = /^\/dev\/disk\/by-uuid\/(.+)$/.exec(link);
    if (m) uuids.set(`/dev/${target.replace(/^(\.\.\/)+/, '')}`, m[1]!);
  }
  const binds = bindMounts(file(raw, '/proc/self/mountinfo'));
  const mounts: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const line of (file(raw, '/proc/mounts') ?? '').split('\n')) {
    const f = line.split(' ');
    if (f.length < 6) continue;
    const [device, mount, fstype, options] = f.map(unescapeOctal) as [string, string, string, string];
    if ((!/^[/\\]/.test(device) && !device.includes(':/')) || fstype === 'none') continue;
    // as Ansible's _find_bind_mounts (findmnt's SOURCE ends in "[root]"): options gain ",bind"
    const entry: Record<string, unknown> = { mount, device, fstype, options: binds.has(mount) && !options.includes('bind') ? `${options},bind` : options };
    const s = stat.get(f[1]!);
    if (s) {
      const [frsize, bsize, blocks, , bavail, files, ffree] = s as [number, number, number, number, number, number, number];
      Object.assign(entry, {
        size_total: frsize * blocks, size_available: frsize * bavail, block_size: bsize, block_total: blocks,
        block_available: bavail, block_used: blocks - bavail, inode_total: files, inode_available: ffree, inode_used: files - ffree,
      });
    }
    entry['uuid'] = uuids.get(device) ?? 'N/A';
    // a later mount on the same point hides the earlier one; Ansible keys its results by mount point
    if (seen.has(mount)) mounts.splice(mounts.findIndex((m) => m['mount'] === mount), 1);
    seen.add(mount);
    mounts.push(entry);
  }
  return { mounts };
}

const FORM_FACTOR = ['Unknown', 'Other', 'Unknown', 'Desktop', 'Low Profile Desktop', 'Pizza Box', 'Mini Tower', 'Tower', 'Portable', 'Laptop', 'Notebook', 'Hand Held', 'Docking Station', 'All In One', 'Sub Notebook', 'Space-saving', 'Lunch Box', 'Main Server Chassis', 'Expansion Chassis', 'Sub Chassis', 'Bus Expansion Chassis', 'Peripheral Chassis', 'RAID Chassis', 'Rack Mount Chassis', 'Sealed-case PC', 'Multi-system', 'CompactPCI', 'AdvancedTCA', 'Blade', 'Blade Enclosure', 'Tablet', 'Convertible', 'Detachable', 'IoT Gateway', 'Embedded PC', 'Mini PC', 'Stick PC'];
const DMI: Record<string, string> = {
  bios_date: 'bios_date', bios_vendor: 'bios_vendor', bios_version: 'bios_version', board_asset_tag: 'board_asset_tag', board_name: 'board_name',
  board_serial: 'board_serial', board_vendor: 'board_vendor', board_version: 'board_version', chassis_asset_tag: 'chassis_asset_tag',
  chassis_serial: 'chassis_serial', chassis_vendor: 'chassis_vendor', chassis_version: 'chassis_version', form_factor: 'chassis_type',
  product_name: 'product_name', product_serial: 'product_serial', product_uuid: 'product_uuid', product_version: 'product_version', system_vendor: 'sys_vendor',
};

export function dmiFacts(raw: Raw): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(DMI)) {
    const v = file(raw, `/sys/devices/virtual/dmi/id/${name}`)?.trim();
    if (v === undefined) facts[key] = 'NA';
    else if (key === 'form_factor') facts[key] = FORM_FACTOR[Number(v)] ?? `unknown (${v})`;
    else facts[key] = v;
  }
  return facts;
}

export function uptimeLoadFacts(raw: Raw): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  const up = file(raw, '/proc/uptime')?.split(/\s+/)[0];
  if (up) facts['uptime_seconds'] = Math.floor(Number(up));
  const load = file(raw, '/proc/loadavg')?.split(/\s+/);
  if (load && load.length >= 3) facts['loadavg'] = { '1m': Number(load[0]), '5m': Number(load[1]), '15m': Number(load[2]) };
  return facts;
}

/**
 * Mount points whose mounted root is not the filesystem's root (/proc/self/mountinfo field 4):
 * what findmnt shows as `SOURCE[/root]` and Ansible's linux.py _find_bind_mounts takes for binds.
 */
export function bindMounts(mountinfo: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const line of (mountinfo ?? '').split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    if (unescapeOctal(f[3]!) !== '/') out.add(unescapeOctal(f[4]!));
  }
  return out;
}
