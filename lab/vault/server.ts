/**
 * The lab's Vault-compatible server (see lab/vault/README.md for where it differs from Vault).
 *   node dist/lab/vault/server.js --listen 127.0.0.1:8200 --state DIR
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { dispatch } from './app.js';
import { VaultCore } from './core.js';
import { ApiError, readRequest, sendJson, sendReply } from './http.js';
import { StateDir } from './storage.js';

export interface LabVault {
  server: Server;
  core: VaultCore;
  /** http://IP:PORT */
  addr: string;
  close(): Promise<void>;
}

/** Start a lab Vault on host:port (port 0 = random) with its state in stateDir. */
export async function startLabVault(opts: { host?: string; port?: number; stateDir: string }): Promise<LabVault> {
  const core = new VaultCore(new StateDir(opts.stateDir));
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    // One request at a time: the state is a single document persisted after each change.
    queue = queue.then(async () => {
      try {
        sendReply(res, await dispatch(core, await readRequest(req)));
      } catch (e) {
        if (e instanceof ApiError) sendJson(res, e.status, { errors: e.errors });
        else sendJson(res, 500, { errors: [e instanceof Error ? e.message : String(e)] });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8200, opts.host ?? '127.0.0.1', () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server,
    core,
    addr: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (!core.sealed) core.persist();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseArgs(argv: string[]): { host: string; port: number; stateDir: string } {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  const listen = get('--listen') ?? '127.0.0.1:8200';
  const stateDir = get('--state');
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen ${JSON.stringify(listen)}: expected IP:PORT`);
  if (!stateDir) throw new Error('--state DIR is required');
  return { host: m[1]!, port: Number(m[2]), stateDir };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const v = await startLabVault(opts);
  process.stdout.write(`lab vault listening on ${v.addr} (state ${opts.stateDir}, ${v.core.core.initialized ? 'initialized, sealed' : 'not initialized'})\n`);
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
