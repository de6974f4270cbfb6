/**
 * nomad_api, nomad_keyring and nomad_rpc_probe against the Nomad stand-in (ACLs on, gossip
 * encrypted), over a local connection: tokens and keys never printed, ok/changed with reasons.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nomad_api, nomadCurl } from '../../src/modules/nomad_api.js';
import { nomad_keyring } from '../../src/modules/nomad_keyring.js';
import { nomad_rpc_probe } from '../../src/modules/nomad_rpc_probe.js';
import { runModule } from '../../src/modules/run.js';
import { makeContext, type TestContext } from '../helpers/module-context.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NOMAD = join(REPO, 'dist/lab/standins/nomad.js');
const K1 = 'cg8StVXbQJ0gPvMd9o7yrg==';
const K2 = 'LsuYyj93KVfT3pAJPMMCgA==';
const SECRET = '2b7e1516-28ae-4d2a-abf7-158809cf4f3c';

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

let agent: ChildProcess | undefined;
let tc: TestContext;
let addr = '';
let rpc = 0;

beforeAll(async () => {
  const src = join(REPO, 'lab/standins');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (!existsSync(NOMAD) || statSync(NOMAD).mtimeMs < newest) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'lab-nomad-mod-'));
  mkdirSync(join(dir, 'nomad.d'));
  const [http, serf] = [await freePort(), await freePort()];
  rpc = await freePort();
  addr = `http://127.0.0.1:${http}`;
  writeFileSync(join(dir, 'nomad.d/nomad.hcl'), `data_dir = "${dir}/data"\nbind_addr = "127.0.0.1"\nports {\n  http = ${http}\n  rpc = ${rpc}\n  serf = ${serf}\n}\nacl {\n  enabled = true\n}\nserver {\n  enabled = true\n  bootstrap_expect = 1\n  encrypt = "${K1}"\n}\n`);
  let out = '';
  agent = spawn(process.execPath, [NOMAD, 'agent', '-config', join(dir, 'nomad.d')], { stdio: ['ignore', 'pipe', 'pipe'] });
  agent.stdout?.on('data', (d: Buffer) => (out += String(d)));
  for (let i = 0; i < 100 && !out.includes('serf: listening'); i++) await new Promise((r) => setTimeout(r, 50));
  tc = await makeContext();
});

afterAll(() => {
  agent?.kill('SIGTERM');
  tc?.cleanup();
});

describe('nomad_api / nomad_keyring / nomad_rpc_probe', () => {
  it('the token goes to curl on stdin, never on the command line', () => {
    const c = nomadCurl({ path: '/v1/agent/self', method: 'PUT', addr, token: SECRET, body: { a: 'x"y' }, status_code: [200], timeout: 5 });
    expect(c.command).not.toContain(SECRET);
    expect(c.config).toContain(`header = "X-Nomad-Token: ${SECRET}"`);
    expect(c.config).toContain('data-binary = "{\\"a\\":\\"x\\\\\\"y\\"}"');
  });

  it('health needs no token; self without one is a 403 that names nomad_token', async () => {
    const h = await runModule(nomad_api, tc.ctx, { path: '/v1/agent/health', addr });
    expect([h.failed, h.changed, h.reason]).toEqual([false, false, 'GET /v1/agent/health returned 200']);
    const s = await runModule(nomad_api, tc.ctx, { path: '/v1/agent/self', addr });
    expect(s.failed).toBe(true);
    expect(s.msg).toMatch(/status 403 \(Permission denied\); ACLs are on: set nomad_token/);
  });

  it('bootstraps with a chosen secret and reads with it; the token is masked', async () => {
    const b = await runModule(nomad_api, tc.ctx, { path: '/v1/acl/bootstrap', method: 'PUT', addr, body: { BootstrapSecret: SECRET } });
    expect([b.failed, b.changed]).toEqual([false, true]);
    const ctx = tc.with({});
    const s = await runModule(nomad_api, ctx, { path: '/v1/agent/self', addr, token: SECRET });
    expect(s.failed).toBe(false);
    expect(ctx.secrets.mask(`token ${SECRET}`)).toBe('token ********');
  });

  it('keyring: list, install (then ok), use, remove (then ok); keys masked', async () => {
    const ctx = tc.with({});
    const base = { addr, token: SECRET };
    const l = await runModule(nomad_keyring, ctx, { ...base });
    expect(l.data).toMatchObject({ keys: { [K1]: 1 }, num_nodes: 1, complete: true });
    expect(l.reason).toBe('1 key(s) installed (servers per key: 1/1)');
    expect(ctx.secrets.mask(K1)).toBe('********');
    const i = await runModule(nomad_keyring, ctx, { ...base, op: 'install', gossip_key: K2 });
    expect([i.failed, i.changed, i.data['complete']]).toEqual([false, true, false]);
    expect((await runModule(nomad_keyring, ctx, { ...base, op: 'install', gossip_key: K2 })).reason).toBe('the key is already installed on all 1 servers');
    expect((await runModule(nomad_keyring, ctx, { ...base, op: 'use', gossip_key: K2 })).changed).toBe(true);
    const bad = await runModule(nomad_keyring, ctx, { ...base, op: 'remove', gossip_key: K2 });
    expect(bad.msg).toContain('1/1 nodes reported failure');
    expect(bad.msg).not.toContain(K2);
    const r = await runModule(nomad_keyring, ctx, { ...base, op: 'remove', gossip_key: K1 });
    expect([r.changed, r.data['complete']]).toEqual([true, true]);
    expect((await runModule(nomad_keyring, ctx, { ...base, op: 'remove', gossip_key: K1 })).reason).toBe('no server has the key');
  });

  it('rpc probe: a plaintext server accepts; a closed port is connect-failed', async () => {
    const a = await runModule(nomad_rpc_probe, tc.ctx, { host: '127.0.0.1', port: rpc });
    expect([a.failed, a.data['answer'], a.reason]).toEqual([false, 'accepted', `plaintext RPC to 127.0.0.1:${rpc}: accepted`]);
    const c = await runModule(nomad_rpc_probe, tc.ctx, { host: '127.0.0.1', port: await freePort() });
    expect(c.data['answer']).toBe('connect-failed');
  });
});
