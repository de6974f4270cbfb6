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

import type { ConnectionFactory } from '../connection.js';
import type { SshRuntime as Runtime } from './runtime.js';
import { createSshConnection as create } from './ssh-connection.js';

/** A ConnectionFactory sharing one run-wide runtime (stats, known_hosts policy, key cache). */
export function sshConnectionFactory(runtime: Runtime): ConnectionFactory {
  return (settings) => create(settings, runtime);
}
