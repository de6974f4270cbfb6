/** Run-wide SSH settings and effects, shared by every host's connection. */
import type { SshConfig } from './ssh-config.js';
import type { SshStats } from './stats.js';

export interface SshRuntime {
  /** Default known_hosts file (per-host settings and ssh config may override). Default ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** Default host key policy. Default true (verify; unknown hosts refused). */
  hostKeyChecking?: boolean | 'accept-new';
  /** Parsed ~/.ssh/config; undefined loads ~/.ssh/config once; pass an empty config to ignore it. */
  sshConfig?: SshConfig;
  /** Passphrase for an encrypted key file (default: env ORCHESTRATE_SSH_PASSPHRASE, then a TTY prompt). */
  passphraseProvider?: (keyFile: string) => Promise<string | undefined>;
  /** Password when the server asks for one and none is configured (default: none). */
  passwordProvider?: (host: string, user: string) => Promise<string | undefined>;
  stats?: SshStats;
  /** Called for warnings (e.g. host key checking disabled), once per distinct message. */
  warn?: (message: string) => void;
  /** Channels (exec + sftp) open at once per connection. Default 8 (OpenSSH MaxSessions is 10). */
  maxChannels?: number;
  /**
   * Run commands in one persistent remote shell per host (one round trip each) rather than an
   * exec channel each. Default true; hosts can opt out with orchestrate_persistent_shell: false.
   */
  persistentShell?: boolean;
  /** Default 10 000. */
  connectTimeoutMs?: number;
  /** Connect retries for refused / timed out connections. Default 2. */
  connectRetries?: number;
  /** First retry delay, doubled each time. Default 250. */
  retryDelayMs?: number;
  /** SSH keepalive interval. Default 15 000; 0 disables. */
  keepaliveIntervalMs?: number;
  /** ssh-agent socket; default env SSH_AUTH_SOCK; empty string disables. */
  agentSocket?: string;
  /** Home directory for ~/.ssh defaults (tests). Default os.homedir(). */
  home?: string;
}
