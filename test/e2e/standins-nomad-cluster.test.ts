/**
 * The Nomad stand-in as a cluster of three servers on loopback: Serf membership (encrypted and
 * plaintext servers cannot see each other), Raft peers and leader, ACLs, and the gossip keyring
 * API (install, use, remove) across members.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NOMAD = join(REPO, 'dist/lab/standins/nomad.js');
const K1 = 'cg8StVXbQJ0gPvMd9o7yrg==';
const K2 = 'LsuYyj93KVfT3pAJPMMCgA==';
const SECRET = '8a6f2b1e-0c7d-4e59-9a3b-2f1d6c5e4b3a';

function ensureBuilt(): void {
  const src = join(REPO, 'lab/standins');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (!existsSync(NOMAD) || statSync(NOMAD).mtimeMs < newest) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'ignore' });
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface Node {
  name: string;
  dir: string;
  ports: { http: number; rpc: number; serf: number };
  proc?: ChildProcess;
  out: string;
}

const nodes: Node[] = [];
let root = '';

function req(n: Node, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: string; json: unknown }> {
  return new Promise((res, rej) => {
    const r = http.request({ host: '127.0.0.1', port: n.ports.http, path, method, headers: opts.token ? { 'X-Nomad-Token': opts.token } : {} }, (resp) => {
      let body = '';
      resp.on('data', (d: Buffer) => (body += String(d)));
      resp.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        res({ status: resp.statusCode ?? 0, body, json });
      });
    });
    r.on('error', rej);
    r.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

function writeConfig(n: Node, encrypt: string): void {
  const join_ = nodes.filter((o) => o !== n).map((o) => `"127.0.0.1:${o.ports.serf}"`).join(', ');
  writeFileSync(join(n.dir, 'nomad.d/nomad.hcl'), `name = "${n.name}"\ndata_dir = "${join(n.dir, 'data')}"\nbind_addr = "127.0.0.1"\nports {\n  http = ${n.ports.http}\n  rpc = ${n.ports.rpc}\n  serf = ${n.ports.serf}\n}\nacl {\n  enabled = true\n}\nserver {\n  enabled = true\n  bootstrap_expect = 3\n  server_join {\n    retry_join = [${join_}]\n  }\n${encrypt ? `  encrypt = "${encrypt}"\n` : ''}}\n`);
}

async function start(n: Node): Promise<void> {
  n.out = '';
  n.proc = spawn(process.execPath, [NOMAD, 'agent', '-config', join(n.dir, 'nomad.d')], { stdio: ['ignore', 'pipe', 'pipe'] });
  n.proc.stdout?.on('data', (d: Buffer) => (n.out += String(d)));
  n.proc.stderr?.on('data', (d: Buffer) => (n.out += String(d)));
  for (let i = 0; i < 100 && !n.out.includes('serf: listening'); i++) await new Promise((r) => setTimeout(r, 50));
}

async function stop(n: Node): Promise<void> {
  const p = n.proc;
  if (!p || p.exitCode !== null) return;
  await new Promise<void>((r) => {
    p.once('exit', () => r());
    p.kill('SIGTERM');
  });
}

/** Polls until fn() holds (the stand-ins' gossip and Raft checks run every few hundred ms). */
async function until(what: string, fn: () => Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function alive(n: Node): Promise<string[]> {
  const r = await req(n, 'GET', '/v1/agent/members', { token: SECRET });
  const members = (r.json as { Members?: { Name: string; Status: string }[] } | undefined)?.Members ?? [];
  return members.filter((m) => m.Status === 'alive').map((m) => m.Name).sort();
}

const ALL = ['s1.global', 's2.global', 's3.global'];

beforeAll(async () => {
  ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'lab-nomad-cluster-'));
  for (const name of ['s1', 's2', 's3']) {
    const dir = join(root, name);
    mkdirSync(join(dir, 'nomad.d'), { recursive: true });
    nodes.push({ name, dir, ports: { http: await freePort(), rpc: await freePort(), serf: await freePort() }, out: '' });
  }
  for (const n of nodes) writeConfig(n, '');
  await Promise.all(nodes.map(start));
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map(stop));
});

describe('nomad stand-in cluster (3 servers, ACLs on)', () => {
  it('forms one cluster: members, peers and one leader; health and status need no token, the rest does', async () => {
    for (const n of nodes) expect((await req(n, 'PUT', '/v1/acl/bootstrap', { body: { BootstrapSecret: SECRET } })).status).toBe(200);
    const again = await req(nodes[0]!, 'PUT', '/v1/acl/bootstrap', { body: {} });
    expect([again.status, again.body]).toEqual([400, 'ACL bootstrap already done (reset index: 0)']);
    for (const n of nodes) await until(`${n.name} sees all members`, async () => (await alive(n)).join() === ALL.join());
    const leaders = async (): Promise<Set<unknown>> => new Set(await Promise.all(nodes.map(async (n) => (await req(n, 'GET', '/v1/status/leader')).json)));
    await until('one leader named by all', async () => {
      const l = await leaders();
      return l.size === 1 && !l.has('');
    });
    expect(((await req(nodes[1]!, 'GET', '/v1/status/peers')).json as string[]).length).toBe(3);
    expect((await req(nodes[2]!, 'GET', '/v1/agent/health')).status).toBe(200);
    const denied = await req(nodes[0]!, 'GET', '/v1/agent/members');
    expect([denied.status, denied.body]).toEqual([403, 'Permission denied']);
    expect((await req(nodes[0]!, 'GET', '/v1/agent/self', { token: 'wrong' })).status).toBe(403);
    expect((await req(nodes[0]!, 'GET', '/v1/agent/keyring/list')).status).toBe(403);
  });

  it('an encrypted server does not see plaintext ones in Serf; Raft (over RPC) keeps the leader', async () => {
    const s1 = nodes[0]!;
    await stop(s1);
    writeConfig(s1, K1);
    await start(s1);
    expect(JSON.parse(readFileSync(join(s1.dir, 'data/server/serf.keyring'), 'utf8'))).toEqual([K1]);
    await until('s2 marks s1 failed', async () => !(await alive(nodes[1]!)).includes('s1.global'));
    expect(await alive(s1)).toEqual(['s1.global']);
    expect((await req(s1, 'GET', '/v1/status/leader')).json).not.toBe('');
    expect((await req(s1, 'GET', '/v1/agent/health')).status).toBe(200);
  });

  it('the cluster is whole again once every server has the key', async () => {
    for (const n of nodes.slice(1)) {
      await stop(n);
      writeConfig(n, K1);
      await start(n);
    }
    for (const n of nodes) await until(`${n.name} sees all members`, async () => (await alive(n)).join() === ALL.join());
  });

  it('rotates the gossip key with install, use, remove on every member', async () => {
    const [s1, s2] = [nodes[0]!, nodes[1]!];
    const inst = await req(s1, 'PUT', '/v1/agent/keyring/install', { token: SECRET, body: { Key: K2 } });
    expect(inst.json).toEqual({ Messages: {}, Keys: { [K1]: 3, [K2]: 3 }, NumNodes: 3 });
    const bad = await req(s2, 'PUT', '/v1/agent/keyring/remove', { token: SECRET, body: { Key: K1 } });
    expect([bad.status, bad.body]).toEqual([500, '3/3 nodes reported failure']);
    expect((await req(s2, 'PUT', '/v1/agent/keyring/use', { token: SECRET, body: { Key: K2 } })).status).toBe(200);
    const rm = await req(s2, 'PUT', '/v1/agent/keyring/remove', { token: SECRET, body: { Key: K1 } });
    expect(rm.json).toEqual({ Messages: {}, Keys: { [K2]: 3 }, NumNodes: 3 });
    for (const n of nodes) expect(JSON.parse(readFileSync(join(n.dir, 'data/server/serf.keyring'), 'utf8'))).toEqual([K2]);
    const list = await req(nodes[2]!, 'GET', '/v1/agent/keyring/list', { token: SECRET });
    expect(list.json).toEqual({ Messages: {}, Keys: { [K2]: 3 }, NumNodes: 3 });
  });

  it('after a restart the keyring wins over encrypt in the config', async () => {
    const s3 = nodes[2]!;
    await stop(s3);
    await start(s3);
    expect(s3.out).toContain('keyring exists but -encrypt given, using keyring');
    for (const n of nodes) await until(`${n.name} sees all members`, async () => (await alive(n)).join() === ALL.join());
  });
});
