/**
 * The lab with --latency: each sshd behind a delaying TCP proxy on the bridge address, the
 * inventory pointing at the proxy; and `lab status` over it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxies } from '../../lab/fleet/proxy.js';
import { labCut, labRestore, labStatus } from '../../lab/fleet/status.js';
import { labName, labSupported, startLab, type LabHandle } from '../helpers/lab.js';

const exec = promisify(execFile);
const support = labSupported();
const NAME = labName('e2e-latency');

describe('delaying proxy', () => {
  it('forwards every byte in order, both ways, and the end of stream', async () => {
    const echo: Server = createServer({ allowHalfOpen: true }, (s) => s.on('error', () => undefined).pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const target = (echo.address() as AddressInfo).port;
    const [proxy] = await startProxies('127.0.0.1', [{ port: 0, targetHost: '127.0.0.1', targetPort: target }], 5);
    const port = (proxy!.address() as AddressInfo).port;
    const payload = randomBytes(3 * 1024 * 1024 + 17);
    const received = await new Promise<Buffer>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      sock.on('data', (b: Buffer) => chunks.push(b));
      sock.on('end', () => resolve(Buffer.concat(chunks)));
      sock.on('error', reject);
      sock.end(payload);
    });
    expect(received.equals(payload)).toBe(true);
    proxy!.close();
    echo.close();
  });
});

describe.skipIf(!support.ok)('lab with --latency 40ms', () => {
  let lab: LabHandle;

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-latency', servers: 1, clients: 1, latency: '40ms' });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('points the inventory at one proxy port per host and answers SSH through it', async () => {
    const doc = yaml.load(readFileSync(lab.inventory, 'utf8')) as { all: { children: Record<string, { hosts: Record<string, Record<string, unknown>> }> } };
    const client1 = doc.all.children['clients']!.hosts['client1']!;
    expect(client1['ansible_host']).toBe(lab.bridgeIp);
    expect(client1['ansible_port']).toBe(22002);
    const args = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-i', lab.key];
    const started = Date.now();
    const { stdout } = await exec('ssh', [...args, '-p', '22002', `root@${lab.bridgeIp}`, 'hostname'], { timeout: 30_000 });
    console.log(`ssh through the 40ms proxy: ${Date.now() - started}ms for connect + one command`);
    expect(stdout.trim()).toBe('client1');
  });

  it('status reports each host through its proxy, and a cut host as down', async () => {
    const before = await labStatus(NAME);
    expect(before.hosts.map((h) => [h.name, h.up])).toEqual([
      ['server1', true],
      ['client1', true],
    ]);
    expect(before.services.find((s) => s.name === 'proxy')?.running).toBe(true);
    await labCut('server1', NAME);
    const cut = await labStatus(NAME);
    expect(cut.hosts.find((h) => h.name === 'server1')?.up).toBe(false);
    await labRestore('server1', NAME);
  });

  it('rejects an unknown host with a suggestion', async () => {
    await expect(labCut('sever1', NAME)).rejects.toThrow(`lab ${NAME} has no host "sever1" (did you mean "server1"?)`);
  });
});
