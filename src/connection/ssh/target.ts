/**
 * Where and how to connect: ConnectionSettings + ssh args + ~/.ssh/config → the target and
 * its jump hosts, in hop order. Explicit settings win over ssh args, which win over the config.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSettings } from '../connection.js';
import { parseProxyJump, parseSshArgs, type SshArgs } from './args.js';
import type { SshRuntime } from './runtime.js';
import { expandTokens, localUser, lookupSshConfig, type ResolvedSshConfig, type SshConfig } from './ssh-config.js';
import { parseHostKeyChecking } from './args.js';

export interface KeyFile {
  path: string;
  /** Named by the user (settings or -i): a missing file is an error; defaults are skipped. */
  explicit: boolean;
}

export interface SshTarget {
  /** Name used in messages. */
  label: string;
  address: string;
  port: number;
  user: string;
  keyFiles: KeyFile[];
  password?: string;
  knownHostsFile: string;
  hostKeyChecking: boolean | 'accept-new';
  connectTimeoutMs: number;
}

export interface TargetChain {
  jumps: SshTarget[];
  target: SshTarget;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function defaultKeyFiles(home = homedir()): KeyFile[] {
  return DEFAULT_KEYS.map((k) => ({ path: join(home, '.ssh', k), explicit: false }));
}

export function resolveTarget(settings: ConnectionSettings, runtime: SshRuntime, config: SshConfig): TargetChain {
  const args: SshArgs = settings.commonArgs ? parseSshArgs(settings.commonArgs) : { identityFiles: [] };
  const cfg = lookupSshConfig(config, settings.address);
  const home = runtime.home ?? homedir();
  const address = cfg.hostName ?? settings.address;
  const port = settings.port ?? args.port ?? cfg.port ?? 22;
  const user = settings.user ?? args.user ?? cfg.user ?? localUser();
  const tokens = { h: address, n: settings.address, p: port, r: user };
  const explicit: KeyFile[] = [settings.privateKeyFile, ...args.identityFiles]
    .filter((p): p is string => p !== undefined)
    .map((path) => ({ path, explicit: true }));
  const fromConfig = cfg.identityFiles.map((p) => ({ path: expandTokens(p, tokens), explicit: false }));
  const keyFiles = [...explicit, ...fromConfig];
  const target: SshTarget = {
    label: settings.host,
    address,
    port,
    user,
    keyFiles: keyFiles.length > 0 ? keyFiles : defaultKeyFiles(home),
    knownHostsFile: knownHostsFileOf(settings, runtime, cfg, tokens, home),
    hostKeyChecking: settings.hostKeyChecking ?? runtime.hostKeyChecking ?? configChecking(cfg),
    connectTimeoutMs: settings.connectTimeoutMs ?? (cfg.connectTimeoutSec ? cfg.connectTimeoutSec * 1000 : undefined) ?? runtime.connectTimeoutMs ?? 10_000,
  };
  if (settings.password !== undefined) target.password = settings.password;
  const jumpSpec = args.proxyJump ?? cfg.proxyJump;
  const jumps = jumpSpec ? resolveJumps(jumpSpec, target, config, home) : [];
  return { jumps, target };
}

function knownHostsFileOf(
  s: ConnectionSettings,
  runtime: SshRuntime,
  cfg: ResolvedSshConfig,
  tokens: Parameters<typeof expandTokens>[1],
  home: string,
): string {
  if (s.knownHostsFile) return s.knownHostsFile;
  if (runtime.knownHostsFile) return runtime.knownHostsFile;
  const fromCfg = cfg.userKnownHostsFile?.split(/\s+/)[0];
  if (fromCfg && fromCfg.toLowerCase() !== 'none') return expandTokens(fromCfg, tokens);
  return join(home, '.ssh', 'known_hosts');
}

function configChecking(cfg: ResolvedSshConfig): boolean | 'accept-new' {
  if (cfg.strictHostKeyChecking === undefined) return true;
  try {
    return parseHostKeyChecking(cfg.strictHostKeyChecking);
  } catch {
    return true;
  }
}

/** Each jump host is looked up in the ssh config too; it may use the target's explicit keys. */
function resolveJumps(spec: string, target: SshTarget, config: SshConfig, home: string): SshTarget[] {
  return parseProxyJump(spec).map((j) => {
    const cfg = lookupSshConfig(config, j.host);
    const address = cfg.hostName ?? j.host;
    const port = j.port ?? cfg.port ?? 22;
    const user = j.user ?? cfg.user ?? localUser();
    const tokens = { h: address, n: j.host, p: port, r: user };
    const own = cfg.identityFiles.map((p) => ({ path: expandTokens(p, tokens), explicit: false }));
    const inherited = target.keyFiles.filter((k) => k.explicit).map((k) => ({ path: k.path, explicit: false }));
    const keys = [...own, ...inherited];
    return {
      label: `jump host ${j.host} (for ${target.label})`,
      address,
      port,
      user,
      keyFiles: keys.length > 0 ? [...keys, ...defaultKeyFiles(home)] : defaultKeyFiles(home),
      knownHostsFile: target.knownHostsFile,
      hostKeyChecking: target.hostKeyChecking,
      connectTimeoutMs: target.connectTimeoutMs,
    };
  });
}
