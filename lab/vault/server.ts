/**
 * The lab's Vault-compatible server (see lab/vault/README.md for where it differs from Vault).
 *   node dist/lab/vault/server.js --listen 127.0.0.1:8200 --state DIR [--seal shamir|transit] [--tls]
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { dispatch } from './app.js';
import { VaultCore } from './core.js';
import { ApiError, readRequest, sendJson, sendReply } from './http.js';
import { SEAL_TYPES, type SealType } from './seal.js';
import { StateDir } from './storage.js';
import { serverTls } from './tls.js';

export interface LabVault {
  server: Server;
  core: VaultCore;
  /** http://IP:PORT, or https://IP:PORT with tls */
  addr: string;
  /** With tls: the PEM file of the lab Vault's own CA (for VAULT_CACERT). */
  caFile?: string;
  close(): Promise<void>;
}

export interface LabVaultOptions {
  host?: string;
  port?: number;
  stateDir: string;
  /** shamir (default): unseal by hand; transit: an auto-unseal seal with recovery keys. */
  seal?: SealType;
  /** Serve HTTPS with a certificate from a private CA of the lab Vault's own. */
  tls?: boolean;
}

/** Start a lab Vault on host:port (port 0 = random) with its state in stateDir. */
export async function startLabVault(opts: LabVaultOptions): Promise<LabVault> {
  const core = new VaultCore(new StateDir(opts.stateDir), opts.seal ?? 'shamir');
  let queue: Promise<unknown> = Promise.resolve();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // One request at a time: the state is a single document persisted after each change.
    queue = queue.then(async () => {
      try {
        sendReply(res, await dispatch(core, await readRequest(req)));
      } catch (e) {
        if (e instanceof ApiError) sendJson(res, e.status, { errors: e.errors });
        else sendJson(res, 500, { errors: [e instanceof Error ? e.message : String(e)] });
      }
    });
  };
  const tls = opts.tls ? await serverTls(opts.stateDir, opts.host ?? '127.0.0.1') : undefined;
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8200, opts.host ?? '127.0.0.1', () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    core,
    addr: `${tls ? 'https' : 'http'}://${host}:${a.port}`,
    ...(tls ? { caFile: tls.caFile } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        if (!core.sealed) core.persist();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseArgs(argv: string[]): LabVaultOptions & { host: string } {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  const listen = get('--listen') ?? '127.0.0.1:8200';
  const stateDir = get('--state');
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen ${JSON.stringify(listen)}: expected IP:PORT`);
  if (!stateDir) throw new Error('--state DIR is required');
  const seal = get('--seal') ?? 'shamir';
  if (!(SEAL_TYPES as readonly string[]).includes(seal)) throw new Error(`--seal ${JSON.stringify(seal)}: expected ${SEAL_TYPES.join(' or ')}`);
  return { host: m[1]!, port: Number(m[2]), stateDir, seal: seal as SealType, tls: argv.includes('--tls') };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const v = await startLabVault(opts);
  const state = !v.core.core.initialized ? 'not initialized' : v.core.sealed ? 'initialized, sealed' : 'initialized, unsealed';
  process.stdout.write(`lab vault listening on ${v.addr} (state ${opts.stateDir}, ${opts.seal} seal, ${state}${v.caFile ? `, CA ${v.caFile}` : ''})\n`);
  const stop = (): void => void v.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`lab vault: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
