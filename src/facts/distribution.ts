/**
 * distribution*, os_family and lsb as ansible-core's DistributionFactCollector and
 * LSBFactCollector report them (module_utils/facts/system/distribution.py, lsb.py), from
 * /etc/os-release and the release files.
 */
import { file, keyValues, type Raw } from './sections.js';
import { lsbFromOsRelease } from './system.js';

const OS_FAMILY_MAP: Record<string, string[]> = {
  RedHat: ['RedHat', 'RHEL', 'Fedora', 'CentOS', 'Scientific', 'SLC', 'Ascendos', 'CloudLinux', 'PSBM', 'OracleLinux', 'OVS', 'OEL', 'Amazon', 'Virtuozzo', 'XenServer', 'Alibaba', 'EulerOS', 'openEuler', 'AlmaLinux', 'Rocky', 'TencentOS', 'EuroLinux', 'Kylin Linux Advanced Server'],
  Debian: ['Debian', 'Ubuntu', 'Raspbian', 'Neon', 'KDE neon', 'Linux Mint', 'SteamOS', 'Devuan', 'Kali', 'Cumulus Linux', 'Pop!_OS', 'Parrot', 'Pardus GNU/Linux', 'Uos', 'Deepin', 'OSMC'],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Mandrake: ['Mandrake', 'Mandriva'],
  Solaris: ['Solaris', 'Nexenta', 'OmniOS', 'OpenIndiana', 'SmartOS'],
  Slackware: ['Slackware'],
  Altlinux: ['Altlinux'],
  Gentoo: ['Gentoo', 'Funtoo'],
  Alpine: ['Alpine'],
  ClearLinux: ['Clear Linux OS', 'Clear Linux Mix'],
};
const OS_FAMILY: Record<string, string> = {};
for (const [family, names] of Object.entries(OS_FAMILY_MAP)) for (const n of names) OS_FAMILY[n] = family;

/** os-release ID → Ansible's distribution name (the python `distro` ids Ansible renames). */
const ID_NAMES: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Ubuntu', raspbian: 'Debian', centos: 'CentOS', rhel: 'RedHat', fedora: 'Fedora',
  rocky: 'Rocky', almalinux: 'AlmaLinux', amzn: 'Amazon', ol: 'OracleLinux', sles: 'SLES', sles_sap: 'SLES_SAP',
  'opensuse-leap': 'openSUSE Leap', 'opensuse-tumbleweed': 'openSUSE Tumbleweed', opensuse: 'openSUSE', arch: 'Archlinux',
  alpine: 'Alpine', linuxmint: 'Linux Mint', gentoo: 'Gentoo', devuan: 'Devuan', kali: 'Kali', manjaro: 'Manjaro',
  'clear-linux-os': 'Clear Linux OS', pop: 'Pop!_OS', cumulus_linux: 'Cumulus Linux', euleros: 'EulerOS', openeuler: 'openEuler',
  virtuozzo: 'Virtuozzo', cloudlinux: 'CloudLinux', scientific: 'Scientific', slackware: 'Slackware', altlinux: 'Altlinux',
};

function splitVersion(version: string): { major: string; minor?: string } {
  const [major = '', minor] = version.split('.');
  return minor !== undefined ? { major, minor } : { major };
}

export function distributionFacts(raw: Raw, system: string, kernel: string, kernelVersion: string): Record<string, unknown> {
  const osReleasePath = file(raw, '/etc/os-release') !== undefined ? '/etc/os-release' : '/usr/lib/os-release';
  const osText = file(raw, osReleasePath);
  if (system !== 'Linux' || osText === undefined) {
    return { distribution: system, distribution_release: kernel, distribution_version: kernelVersion, os_family: OS_FAMILY[system] ?? system };
  }
  const os = keyValues(osText);
  const id = (os['ID'] ?? '').toLowerCase();
  const name = ID_NAMES[id] ?? (id ? id[0]!.toUpperCase() + id.slice(1) : 'NA');
  let version = os['VERSION_ID'] ?? '';
  const debianVersion = file(raw, '/etc/debian_version')?.trim();
  const redhat = file(raw, '/etc/redhat-release');
  // distro's "best" version: the point release from the release file
  if (name === 'Debian' && debianVersion && /^\d+(\.\d+)*$/.test(debianVersion)) version = debianVersion;
  else if (OS_FAMILY[name] === 'RedHat' && redhat) version = /(\d+(?:\.\d+)*)/.exec(redhat)?.[1] ?? version;
  else if (name === 'Alpine') version = file(raw, '/etc/alpine-release')?.trim() ?? version;
  const release = os['VERSION_CODENAME'] || os['UBUNTU_CODENAME'] || /\(([^)]+)\)/.exec(os['VERSION'] ?? '')?.[1] || 'NA';
  const facts: Record<string, unknown> = {
    distribution: name,
    distribution_release: release,
    distribution_version: version || 'NA',
    distribution_major_version: version ? splitVersion(version).major : 'NA',
    os_family: OS_FAMILY[name] ?? name,
  };
  const minor = splitVersion(version).minor;
  if (minor !== undefined) facts['distribution_minor_version'] = minor;
  if (name === 'Debian' && debianVersion) {
    const m = /(\d+)\.(\d+)/.exec(debianVersion);
    if (m) facts['distribution_minor_version'] = m[2];
  }
  const family = OS_FAMILY[name];
  if (family === 'Debian' || family === 'Suse' || family === 'Archlinux' || name === 'Alpine' || family === 'Gentoo') {
    facts['distribution_file_parsed'] = true;
    facts['distribution_file_path'] = family === 'Debian' ? '/etc/os-release' : osReleasePath;
    facts['distribution_file_variety'] = family === 'Suse' ? 'SUSE' : family ?? name;
  } else if (family === 'RedHat' && redhat !== undefined) {
    facts['distribution_file_parsed'] = true;
    facts['distribution_file_path'] = '/etc/redhat-release';
    facts['distribution_file_variety'] = 'RedHat';
  }
  return facts;
}

/** lsb: from `lsb_release -a`, else /etc/lsb-release (LSBFactCollector). */
export function lsbFacts(raw: Raw): Record<string, unknown> {
  const lsb: Record<string, string> = {};
  const names: Record<string, string> = { 'Distributor ID': 'id', Description: 'description', Release: 'release', Codename: 'codename' };
  for (const [k, v] of Object.entries(lsbFromOsRelease(raw) ?? {})) if (names[k]) lsb[names[k]!] = v;
  if (Object.keys(lsb).length === 0) {
    const kv = keyValues(file(raw, '/etc/lsb-release'));
    const map: Record<string, string> = { DISTRIB_ID: 'id', DISTRIB_RELEASE: 'release', DISTRIB_DESCRIPTION: 'description', DISTRIB_CODENAME: 'codename' };
    for (const [k, v] of Object.entries(kv)) if (map[k]) lsb[map[k]!] = v;
  }
  if (lsb['release']) lsb['major_release'] = lsb['release'].split('.')[0]!;
  return Object.keys(lsb).length > 0 ? { lsb } : { lsb: {} };
}
