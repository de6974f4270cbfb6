/** Host key verification for one hop, with the exact messages users see. */
import { appendKnownHost, checkHostKey, hostKeyAlgorithms, keyTypeOf, knownHostName, knownKeyTypes, readKnownHosts } from './known-hosts.js';
import type { SshRuntime } from './runtime.js';
import type { SshTarget } from './target.js';

export interface HostKeyCheck {
  /** Synchronous ssh2 hostVerifier: false refuses, and `failure` holds the reason. */
  verify(key: Buffer): boolean;
  failure?: string;
  /** Host key algorithms to offer, known types first. */
  algorithms: string[];
}

const warned = new WeakMap<SshRuntime, Set<string>>();

export function warnOnce(runtime: SshRuntime, message: string): void {
  let seen = warned.get(runtime);
  if (!seen) {
    seen = new Set();
    warned.set(runtime, seen);
  }
  if (seen.has(message)) return;
  seen.add(message);
  runtime.warn?.(message);
}

export function hostKeyCheck(t: SshTarget, runtime: SshRuntime): HostKeyCheck {
  const name = knownHostName(t.address, t.port);
  const file = t.knownHostsFile;
  if (t.hostKeyChecking === false) {
    warnOnce(runtime, 'host key checking is disabled (host_key_checking: false): connections are open to man-in-the-middle attacks');
    return { verify: () => true, algorithms: hostKeyAlgorithms([]) };
  }
  const entries = readKnownHosts(file);
  const check: HostKeyCheck = {
    algorithms: hostKeyAlgorithms(knownKeyTypes(entries, name)),
    verify(key: Buffer): boolean {
      const v = checkHostKey(readKnownHosts(file), name, key);
      switch (v.kind) {
        case 'ok':
          return true;
        case 'unknown':
          if (t.hostKeyChecking === 'accept-new') {
            appendKnownHost(file, name, key);
            return true;
          }
          check.failure = `host key for ${name} is not known; add it with \`ssh-keyscan -p ${t.port} ${t.address} >> ${file}\` or set host_key_checking: accept-new`;
          return false;
        case 'changed':
          check.failure =
            `REMOTE HOST KEY FOR ${name} HAS CHANGED: the ${v.keyType} key it presented does not match ${file}:${v.line}. ` +
            `Someone could be intercepting the connection (man-in-the-middle), or the host was reinstalled. ` +
            `If the change is expected, remove the old key (ssh-keygen -R '${name}' -f ${file}) and connect again.`;
          return false;
        case 'revoked':
          check.failure = `host key for ${name} is revoked (@revoked in ${file}:${v.line}); refusing to connect`;
          return false;
        case 'other-type':
          check.failure =
            `host key for ${name} is known only as ${v.knownTypes.join(', ')} (${file}:${v.line}) but the server offered ` +
            `${keyTypeOf(key)}; refusing to connect. Check the host, then add its ${keyTypeOf(key)} key to ${file}`;
          return false;
      }
    },
  };
  return check;
}
