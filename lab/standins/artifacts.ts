#!/usr/bin/env node
/**
 * Lab artifact server: builds consul-template_<version>_linux_amd64.zip (a wrapper that runs the
 * consul-template stand-in with this machine's node) plus its SHA256SUMS, serves them like
 * releases.hashicorp.com, and prints one JSON line with the inventory variables.
 *   node dist/lab/standins/artifacts.js --listen IP:PORT --dir DIR [--version 0.39.1]
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildZip } from './zip.js';

interface Args {
  host: string;
  port: number;
  dir: string;
  version: string;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(flag + '='))?.slice(flag.length + 1);
  };
  const listen = get('--listen') ?? '127.0.0.1:0';
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen ${listen}: expected IP:PORT`);
  const dir = get('--dir');
  if (!dir) throw new Error('--dir DIR is required');
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2]), dir: resolve(dir), version: get('--version') ?? '0.39.1' };
}

/** The wrapper script inside the zip: runs the stand-in from this build with this node. */
export function wrapperScript(nodePath: string, distDir: string): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# consul-template (lab stand-in)\nexec ${q(nodePath)} ${q(join(distDir, 'lab/standins/consul-template.js'))} "$@"\n`;
}

export function buildArtifacts(dir: string, version: string, nodePath: string, distDir: string): { zipPath: string; zipName: string; sha256: string } {
  const rel = `consul-template/${version}`;
  mkdirSync(join(dir, rel), { recursive: true });
  const zipName = `consul-template_${version}_linux_amd64.zip`;
  const zip = buildZip([{ name: 'consul-template', data: Buffer.from(wrapperScript(nodePath, distDir)), mode: 0o755 }]);
  const sha256 = createHash('sha256').update(zip).digest('hex');
  writeFileSync(join(dir, rel, zipName), zip);
  writeFileSync(join(dir, rel, `consul-template_${version}_SHA256SUMS`), `${sha256}  ${zipName}\n`);
  return { zipPath: `${rel}/${zipName}`, zipName, sha256 };
}

function serve(root: string): http.Server {
  return http.createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path);
    if (!file.startsWith(root + sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end('not found\n');
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const distDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const built = buildArtifacts(args.dir, args.version, process.execPath, distDir);
  const server = serve(args.dir);
  server.listen(args.port, args.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : args.port;
    const host = args.host.includes(':') ? `[${args.host}]` : args.host;
    const vars = {
      consul_template_version: args.version,
      consul_template_url: `http://${host}:${port}/${built.zipPath}`,
      consul_template_sha256: built.sha256,
      consul_template_sha256sums_url: `http://${host}:${port}/consul-template/${args.version}/consul-template_${args.version}_SHA256SUMS`,
    };
    process.stdout.write(JSON.stringify({ vars }) + '\n');
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
