/** The SSH transport: ssh2 client + SFTP, known_hosts, ~/.ssh/config, jump hosts, sudo. */
export { SshConnection, createSshConnection } from './ssh-connection.js';
export type { SshRuntime } from './runtime.js';
export { SshStats, type HostCounters } from './stats.js';
export { resolveSshSettings } from './settings.js';
export { parseSshConfig, loadSshConfig, lookupSshConfig, matchHostPatterns, type SshConfig, type ResolvedSshConfig } from './ssh-config.js';
export { parseKnownHosts, checkHostKey, knownHostName, hostsFieldMatches } from './known-hosts.js';
export { parseSshArgs, parseProxyJump } from './args.js';
export { resolveTarget, type SshTarget, type TargetChain } from './target.js';
export { sudoCommand, SUDO_PROMPT } from './become.js';
