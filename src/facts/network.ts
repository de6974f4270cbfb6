/**
 * The `network` facts as ansible-core's LinuxNetwork reports them (module_utils/facts/network/
 * linux.py): interfaces from /sys/class/net, addresses from `ip addr show`, default_ipv4/ipv6
 * from `ip route get`. Fact names turn '-' into '_' and interface aliases ':' into '_', as Ansible.
 */
import { ipOutput, links, part, type Raw } from './sections.js';

const TYPES: Record<string, string> = { '1': 'ether', '32': 'infiniband', '512': 'ppp', '772': 'loopback', '65534': 'tunnel' };
type Iface = Record<string, unknown>;

function routeInfo(lines: string[], target: string): Record<string, string> {
  const words = (lines[0] ?? '').trim().split(/\s+/);
  const out: Record<string, string> = {};
  if (words[0] !== target) return out;
  for (let i = 0; i < words.length - 1; i++) {
    if (words[i] === 'dev') out['interface'] = words[i + 1]!;
    else if (words[i] === 'src') out['address'] = words[i + 1]!;
    else if (words[i] === 'via' && words[i + 1] !== target) out['gateway'] = words[i + 1]!;
  }
  return out;
}

function ipv4Of(cidr: string, brd: string): Record<string, string> {
  const [address = '', len = '32'] = cidr.includes('/') ? cidr.split('/') : [cidr, '32'];
  const a = address.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const dotted = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  return { address, broadcast: brd, netmask: dotted(mask), network: dotted((a & mask) >>> 0), prefix: len };
}

/** `ip addr show` → device → its lines (the `@peer` of veth names dropped). */
function addrBlocks(lines: string[]): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of lines) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:/.exec(line);
    if (m) {
      cur = [];
      blocks.set(m[1]!, cur);
    } else if (cur) cur.push(line.trim());
  }
  return blocks;
}

function sysAttrs(raw: Raw): Map<string, Record<string, string>> {
  const devs = new Map<string, Record<string, string>>();
  for (const [path, text] of raw.files) {
    const m = /^\/sys\/class\/net\/([^/]+)\/(.+)$/.exec(path);
    if (!m) continue;
    const attrs = devs.get(m[1]!) ?? {};
    attrs[m[2]!] = text.trim();
    devs.set(m[1]!, attrs);
  }
  for (const [link, target] of links(raw)) {
    const m = /^\/sys\/class\/net\/([^/]+)\/device$/.exec(link);
    if (m && devs.has(m[1]!)) devs.get(m[1]!)!['pciid'] = target.split('/').pop()!;
  }
  return devs;
}

export function networkFacts(raw: Raw): Record<string, unknown> {
  const ip = ipOutput(raw);
  const defaultV4: Record<string, unknown> = routeInfo(ip.route4, '8.8.8.8');
  const defaultV6: Record<string, unknown> = routeInfo(ip.route6, '2404:6800:400a:800::1012');
  const interfaces: Record<string, Iface> = {};
  const all4: string[] = [];
  const all6: string[] = [];
  const brif = part(raw, 'brif');
  const blocks = addrBlocks(ip.addr);
  for (const [device, attrs] of sysAttrs(raw)) {
    const ifc: Iface = { device };
    interfaces[device] = ifc;
    const mac = attrs['address'] ?? '';
    if (mac && mac !== '00:00:00:00:00:00') ifc['macaddress'] = mac;
    if (attrs['mtu'] !== undefined) ifc['mtu'] = Number(attrs['mtu']);
    if (attrs['operstate'] !== undefined) ifc['active'] = attrs['operstate'] !== 'down';
    if (attrs['type'] !== undefined) ifc['type'] = TYPES[attrs['type']] ?? 'unknown';
    if (attrs['bridge/bridge_id'] !== undefined || attrs['bridge/stp_state'] !== undefined) {
      ifc['type'] = 'bridge';
      ifc['interfaces'] = brif.filter((b) => b.startsWith(`/sys/class/net/${device}/brif/`)).map((b) => b.split('/').pop()!);
      if (attrs['bridge/bridge_id'] !== undefined) ifc['id'] = attrs['bridge/bridge_id'];
      if (attrs['bridge/stp_state'] !== undefined) ifc['stp'] = attrs['bridge/stp_state'] === '1';
    }
    if (attrs['pciid'] !== undefined) ifc['pciid'] = attrs['pciid'];
    if (attrs['speed'] !== undefined && /^-?\d+$/.test(attrs['speed'])) ifc['speed'] = Number(attrs['speed']);
    if (attrs['flags'] !== undefined) ifc['promisc'] = (parseInt(attrs['flags'], 16) & 0x100) > 0;
    for (const line of blocks.get(device) ?? []) {
      const w = line.split(/\s+/);
      if (w[0] === 'inet') {
        const v4 = ipv4Of(w[1]!, w[2] === 'brd' && w.length > 3 ? w[3]! : '');
        const label = w.at(-1)!;
        const secondary = w.includes('secondary');
        if (label !== device) interfaces[label] = {};
        const target = interfaces[label]!;
        if (!secondary && !('ipv4' in target)) target['ipv4'] = v4;
        else target['ipv4_secondaries'] = [...((target['ipv4_secondaries'] as unknown[]) ?? []), v4];
        if (defaultV4['address'] === v4.address) {
          Object.assign(defaultV4, { broadcast: v4.broadcast, netmask: v4.netmask, network: v4.network, prefix: v4.prefix, macaddress: mac, mtu: ifc['mtu'], type: ifc['type'] ?? 'unknown', alias: label });
        }
        if (!v4.address!.startsWith('127.')) all4.push(v4.address!);
      } else if (w[0] === 'inet6') {
        const peer = w[2] === 'peer';
        const address = peer ? w[1]! : w[1]!.split('/')[0]!;
        const prefix = (peer ? w[3]! : w[1]!).split('/')[1] ?? '';
        const scope = peer ? w[5]! : w[3]!;
        ifc['ipv6'] = [...((ifc['ipv6'] as unknown[]) ?? []), { address, prefix, scope }];
        if (defaultV6['address'] === address) Object.assign(defaultV6, { prefix, scope, macaddress: mac, mtu: ifc['mtu'], type: ifc['type'] ?? 'unknown' });
        if (address !== '::1') all6.push(address);
      }
    }
  }
  const facts: Record<string, unknown> = {};
  const names = Object.keys(interfaces).map((n) => n.replace(/:/g, '_'));
  for (const [name, ifc] of Object.entries(interfaces)) facts[name.replace(/:/g, '_')] = ifc;
  return { ...facts, interfaces: names, default_ipv4: defaultV4, default_ipv6: defaultV6, all_ipv4_addresses: all4, all_ipv6_addresses: all6 };
}
