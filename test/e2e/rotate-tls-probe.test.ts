/** tls_probe against a local TLS server on loopback: serial, subject, SANs, verification, errors. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colonSerial, parseProbe, tls_probe, type TlsProbeArgs } from '../../src/modules/tls_probe.js';
import { makeContext, type TestContext } from '../helpers/module-context.js';
import { serialOf } from '../helpers/prober.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tls-probe-'));
let server: tls.Server;
let port = 0;
let t: TestContext;
const args = (a: Partial<TlsProbeArgs>): TlsProbeArgs => ({ host: '127.0.0.1', port, timeout: 5, ...a });

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=server.global.nomad', '-addext', 'subjectAltName=DNS:server.global.nomad,DNS:localhost,IP:127.0.0.1', '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`], { stdio: 'ignore' });
  server = tls.createServer({ cert: readFileSync(`${dir}/c.pem`), key: readFileSync(`${dir}/k.pem`) }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  t = await makeContext();
});
afterAll(() => {
  server?.close();
  t?.cleanup();
});

describe('tls_probe', () => {
  it('reports the served certificate, in Vault serial format', async () => {
    const res = await tls_probe.check(t.ctx, args({ servername: 'server.global.nomad' }));
    expect(res.serial).toBe(serialOf(readFileSync(`${dir}/c.pem`, 'utf8')));
    expect(res.subject).toBe('CN=server.global.nomad');
    expect(res.san).toContain('DNS:localhost');
    expect(res.verified).toBeNull();
    const plan = tls_probe.plan(res, args({}), t.ctx);
    expect('ok' in plan).toBe(true);
    expect('ok' in plan ? plan.reason : '').toMatch(/^127\.0\.0\.1:\d+ serves serial [0-9a-f:]+ \(CN=server\.global\.nomad, until /);
  });

  it('verifies against a CA file: ok with the right one, not with another', async () => {
    expect((await tls_probe.check(t.ctx, args({ ca: `${dir}/c.pem` }))).verified).toBe(true);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=other', '-keyout', `${dir}/k2.pem`, '-out', `${dir}/other.pem`], { stdio: 'ignore' });
    expect((await tls_probe.check(t.ctx, args({ ca: `${dir}/other.pem` }))).verified).toBe(false);
  });

  it('fails with the reason when nothing listens', async () => {
    await expect(tls_probe.check(t.ctx, args({ port: 1 }))).rejects.toThrow(/^tls_probe\(127\.0\.0\.1:1\): no certificate: /);
  });

  it('validates its arguments and parses serials', () => {
    expect(tls_probe.validate(args({ cert: '/c' }))).toEqual(['cert and key must be given together']);
    expect(tls_probe.validate(args({ port: 70000 }))).toEqual(['port must be 1-65535, got 70000']);
    expect(colonSerial('ABC01')).toBe('0a:bc:01');
    expect(() => parseProbe('garbage', 'x')).toThrow(/x: no certificate/);
  });
});
