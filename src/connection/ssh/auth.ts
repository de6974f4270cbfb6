/**
 * Client authentication: ssh-agent, key files (ed25519, ecdsa, rsa; encrypted keys decrypted
 * once per run with a passphrase from ORCHESTRATE_SSH_PASSPHRASE or a TTY prompt), then the
 * password when one is configured.
 */
import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, NextAuthHandler, ParsedKey } from 'ssh2';
import { ConnectionError } from '../connection.js';
import type { SshRuntime } from './runtime.js';
import type { KeyFile, SshTarget } from './target.js';

const keyCaches = new WeakMap<SshRuntime, Map<string, Promise<ParsedKey | undefined>>>();

function keyCache(runtime: SshRuntime): Map<string, Promise<ParsedKey | undefined>> {
  let c = keyCaches.get(runtime);
  if (!c) {
    c = new Map();
    keyCaches.set(runtime, c);
  }
  return c;
}

function isEncryptedKeyError(e: Error): boolean {
  return /encrypted|passphrase/i.test(e.message);
}

/** Load and parse a key file once per run. Missing default keys resolve to undefined. */
export function loadKey(k: KeyFile, host: string, runtime: SshRuntime): Promise<ParsedKey | undefined> {
  const cache = keyCache(runtime);
  let p = cache.get(k.path);
  if (!p) {
    p = parseKeyFile(k, host, runtime);
    cache.set(k.path, p);
  }
  return p;
}

async function parseKeyFile(k: KeyFile, host: string, runtime: SshRuntime): Promise<ParsedKey | undefined> {
  if (!existsSync(k.path)) {
    if (k.explicit) throw new ConnectionError(`private key file ${k.path} does not exist`, host);
    return undefined;
  }
  const data = readFileSync(k.path);
  let parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error && isEncryptedKeyError(parsed)) {
    const provider = runtime.passphraseProvider ?? defaultPassphrase;
    const passphrase = await provider(k.path);
    if (passphrase === undefined) {
      throw new ConnectionError(`private key ${k.path} is encrypted; set ORCHESTRATE_SSH_PASSPHRASE or run from a terminal`, host);
    }
    parsed = ssh2.utils.parseKey(data, passphrase);
    if (parsed instanceof Error) throw new ConnectionError(`cannot decrypt private key ${k.path}: wrong passphrase?`, host);
  }
  if (parsed instanceof Error) {
    if (k.explicit) throw new ConnectionError(`cannot read private key ${k.path}: ${parsed.message}`, host);
    return undefined;
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  return key && signWithKeyObject(key);
}

/** The digest ssh2 uses for a key type when the signature algorithm does not name one. */
const DEFAULT_HASH: Record<string, string | null> = {
  'ssh-ed25519': null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
  'ssh-rsa': 'sha1',
};

/**
 * ssh2 hands the key's PEM text to crypto.sign for every signature, so each connection parses
 * the key again (~0.5 ms for ed25519, ten times the signature itself). One key signs for every
 * host of a run: parse it once into a KeyObject and sign with that. The signature is the same
 * bytes crypto.sign gives ssh2 (DER for ECDSA, converted by ssh2 as before).
 */
export function signWithKeyObject(key: ParsedKey): ParsedKey {
  const hash = DEFAULT_HASH[key.type];
  const pem = key.getPrivatePEM();
  if (hash === undefined || !pem) return key;
  let ko: KeyObject;
  try {
    ko = createPrivateKey(pem);
  } catch {
    return key;
  }
  const viaPem = key.sign.bind(key);
  key.sign = ((data: Buffer | string, algo?: string): Buffer | Error => {
    try {
      return cryptoSign(algo || hash, typeof data === 'string' ? Buffer.from(data) : data, ko);
    } catch {
      return viaPem(data, algo);
    }
  }) as ParsedKey['sign'];
  return key;
}

async function defaultPassphrase(keyFile: string): Promise<string | undefined> {
  const env = process.env['ORCHESTRATE_SSH_PASSPHRASE'];
  if (env !== undefined) return env;
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return promptHidden(`Enter passphrase for key ${keyFile}: `);
}

/** Read a line from the terminal without echo. */
export function promptHidden(question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  return new Promise((resolve) => {
    let answer = '';
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    const done = (v: string | undefined): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      resolve(v);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(answer);
        if (ch === '\u0003' || ch === '\u0004') return done(undefined);
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Methods to try in order: agent, key files, password (as OpenSSH: agent and keys, then password). */
export async function authMethods(t: SshTarget, runtime: SshRuntime, host: string): Promise<AnyAuthMethod[]> {
  const methods: AnyAuthMethod[] = [];
  const agent = runtime.agentSocket ?? process.env['SSH_AUTH_SOCK'];
  if (agent) methods.push({ type: 'agent', username: t.user, agent });
  for (const k of t.keyFiles) {
    const key = await loadKey(k, host, runtime);
    if (key) methods.push({ type: 'publickey', username: t.user, key });
  }
  if (t.password !== undefined) methods.push({ type: 'password', username: t.user, password: t.password });
  return methods;
}

/** An ssh2 authHandler walking the list; asks the password provider last when the server allows. */
export function authHandler(methods: AnyAuthMethod[], t: SshTarget, runtime: SshRuntime): AuthHandlerMiddleware {
  const queue = [...methods];
  let askedPassword = t.password !== undefined;
  return (methodsLeft: string[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    const allowed = (m: AnyAuthMethod): boolean =>
      !methodsLeft || methodsLeft.includes(m.type === 'agent' ? 'publickey' : m.type);
    let m = queue.shift();
    while (m && !allowed(m)) m = queue.shift();
    if (m) return next(m);
    if (!askedPassword && runtime.passwordProvider && (!methodsLeft || methodsLeft.includes('password'))) {
      askedPassword = true;
      void runtime.passwordProvider(t.label, t.user).then((pw) =>
        next(pw === undefined ? false as never : { type: 'password', username: t.user, password: pw }),
      );
      return;
    }
    next(false as never);
  };
}
