/**
 * Open an ssh2 Client to one hop (TCP with TCP_NODELAY, or a channel forwarded through the
 * previous hop), with host key verification, auth, connect timeout and retries with backoff.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Client as ClientT, KexAlgorithm, ParsedKey, ServerHostKeyAlgorithm } from 'ssh2';
import { ConnectionError } from '../connection.js';
import { authHandler, authMethods } from './auth.js';
import { hostKeyCheck } from './host-key.js';
import type { SshRuntime } from './runtime.js';
import type { SshTarget, TargetChain } from './target.js';

class Retryable extends Error {}

/**
 * Key exchange in preference order. ECDH on P-256 first: OpenSSH computes it with OpenSSL's
 * optimised code, while its curve25519 is portable reference code, several milliseconds of
 * server CPU per connection (and ECDH is cheaper on this side too). Both are in OpenSSH's default
 * list; the rest is ssh2's default order.
 */
const KEX_ALGORITHMS: KexAlgorithm[] = [
  'ecdh-sha2-nistp256', 'curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group14-sha256', 'diffie-hellman-group15-sha512',
  'diffie-hellman-group16-sha512', 'diffie-hellman-group17-sha512', 'diffie-hellman-group18-sha512',
];

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

const RETRY_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/**
 * ssh2 writes every SSH packet with its own socket.write(); with TCP_NODELAY each would be its own
 * syscall and TCP segment, and each a wake-up for sshd. Writes made in the same tick (pipelined
 * SFTP requests, a channel request and its data) go out together in one writev instead.
 */
export function coalesceWrites(sock: net.Socket): void {
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  const flush = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = ((...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(flush);
    }
    return write(...args);
  }) as net.Socket['write'];
}

function tcpConnect(t: SshTarget): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: t.address, port: t.port });
    sock.setNoDelay(true);
    coalesceWrites(sock);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Retryable(`connect timed out after ${t.connectTimeoutMs} ms`));
    }, t.connectTimeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      const code = errCode(e);
      reject(code && RETRY_CODES.has(code) ? new Retryable(`${code}: ${e.message}`) : e);
    });
  });
}

function forward(via: ClientT, t: SshTarget): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, t.address, t.port, (err, stream) => {
      if (err) reject(new Retryable(`the jump host could not reach ${t.address}:${t.port}: ${err.message}`));
      else resolve(stream);
    });
  });
}

async function handshake(t: SshTarget, host: string, runtime: SshRuntime, sock: Duplex, methods: AnyAuthMethod[]): Promise<ClientT> {
  const check = hostKeyCheck(t, runtime);
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    const onError = (e: Error & { level?: string }): void => {
      client.end();
      if (check.failure) return reject(new ConnectionError(`${t.label}: ${check.failure}`, host, e));
      if (e.level === 'client-authentication') {
        const tried = methods.map((m) => m.type).join(', ') || 'none';
        return reject(new ConnectionError(`${t.label}: authentication failed for ${t.user}@${t.address}:${t.port} (tried: ${tried})`, host, e));
      }
      if (e.level === 'client-timeout' || RETRY_CODES.has(errCode(e) ?? '')) return reject(new Retryable(`handshake failed: ${e.message}`));
      reject(new ConnectionError(`${t.label}: ssh handshake with ${t.address}:${t.port} failed: ${e.message}`, host, e));
    };
    client.once('error', onError);
    client.once('close', () => reject(new Retryable('connection closed during handshake')));
    client.once('ready', () => {
      client.off('error', onError);
      client.on('error', () => undefined); // later errors surface through 'close' on the connection
      runtime.stats?.inc(host, 'handshakes');
      resolve(client);
    });
    client.connect({
      sock,
      username: t.user,
      hostVerifier: (key: Buffer) => check.verify(key),
      algorithms: { kex: KEX_ALGORITHMS, serverHostKey: check.algorithms as ServerHostKeyAlgorithm[] },
      authHandler: authHandler(methods, t, runtime),
      readyTimeout: t.connectTimeoutMs,
      keepaliveInterval: runtime.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
    });
    signPublicKeyDirectly(client);
  });
}

type SignCb = (data: Buffer, done: (signature: Buffer) => void) => void;
type AuthPk = (user: string, key: ParsedKey, algo?: string | SignCb, sign?: SignCb) => void;

/**
 * Sign with a private key file straight away instead of first asking the server whether it would
 * accept the key (RFC 4252 allows both; the query exists for keys that are costly to use, such as
 * an agent's hardware key, which keep it). Saves a round trip and the server's second look at
 * authorized_keys per connection. ssh2 has no option for it: this wraps its protocol's authPK,
 * and leaves ssh2 as it is when that is not there.
 */
function signPublicKeyDirectly(client: ClientT): void {
  const proto = (client as unknown as { _protocol?: { authPK?: AuthPk } })._protocol;
  if (!proto || typeof proto.authPK !== 'function') return;
  const authPK = proto.authPK.bind(proto);
  proto.authPK = (user, key, algo, sign) => {
    if (sign || typeof algo === 'function' || typeof key?.isPrivateKey !== 'function' || !key.isPrivateKey()) return authPK(user, key, algo, sign);
    const hash = algo === 'rsa-sha2-512' ? 'sha512' : algo === 'rsa-sha2-256' ? 'sha256' : undefined;
    return authPK(user, key, algo, (data, done) => {
      const sig = hash ? key.sign(data, hash) : key.sign(data);
      if (sig instanceof Error) throw sig;
      done(sig);
    });
  };
}

async function openHopOnce(t: SshTarget, host: string, runtime: SshRuntime, methods: AnyAuthMethod[], via?: ClientT): Promise<ClientT> {
  const sock = via ? await forward(via, t) : await tcpConnect(t);
  runtime.stats?.inc(host, 'connections');
  try {
    return await handshake(t, host, runtime, sock, methods);
  } catch (e) {
    sock.destroy();
    throw e;
  }
}

/** One hop with retries (only for refused / timed out / reset connections). */
export async function openHop(t: SshTarget, host: string, runtime: SshRuntime, via?: ClientT): Promise<ClientT> {
  const retries = runtime.connectRetries ?? 2;
  let delay = runtime.retryDelayMs ?? 250;
  // Keys are read (and a passphrase asked for) once and before any socket exists: a bad key file
  // must not leave a connection open until the server's LoginGraceTime closes it.
  const methods = await authMethods(t, runtime, host);
  for (let attempt = 0; ; attempt++) {
    try {
      return await openHopOnce(t, host, runtime, methods, via);
    } catch (e) {
      if (!(e instanceof Retryable)) {
        throw e instanceof ConnectionError ? e : new ConnectionError(`${t.label}: cannot connect to ${t.address}:${t.port}: ${errText(e)}`, host, e);
      }
      if (attempt >= retries) {
        const tries = attempt + 1;
        throw new ConnectionError(`${t.label}: cannot connect to ${t.address}:${t.port}: ${e.message} (${tries} attempt${tries > 1 ? 's' : ''})`, host, e);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

export interface OpenChain {
  client: ClientT;
  jumps: ClientT[];
}

/** Connect through each jump host in order, then to the target. */
export async function openChain(chain: TargetChain, host: string, runtime: SshRuntime): Promise<OpenChain> {
  const jumps: ClientT[] = [];
  try {
    let via: ClientT | undefined;
    for (const j of chain.jumps) {
      via = await openHop(j, host, runtime, via);
      jumps.push(via);
    }
    const client = await openHop(chain.target, host, runtime, via);
    return { client, jumps };
  } catch (e) {
    for (const j of jumps.reverse()) j.end();
    throw e;
  }
}
