import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, type ConnectionSettings } from '../../src/connection/connection.js';
import { createSshConnection, SshStats, type SshRuntime } from '../../src/connection/ssh/index.js';
import { sshdSkipReason, startSshd, type Sshd } from '../../lab/sshd.js';

const skip = sshdSkipReason();
if (skip) console.log(`skipping ssh host key tests: ${skip}`);

function hashed(name: string, keyType: string, b64: string): string {
  const salt = randomBytes(20);
  const h = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${h} ${keyType} ${b64}`;
}

describe.skipIf(skip !== undefined)('ssh connection: host keys and jump hosts', () => {
  let a: Sshd;
  let b: Sshd;
  let n = 0;
  const warnings: string[] = [];
  const runtime = (): SshRuntime => ({
    sshConfig: { blocks: [{ entries: [] }], warnings: [] }, agentSocket: '', home: a.dir, retryDelayMs: 10,
    warn: (m) => warnings.push(m),
  });
  const settingsFor = (s: Sshd, knownHostsFile: string, extra: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
    host: `h${++n}`, address: s.host, port: s.port, user: 'root', transport: 'ssh',
    privateKeyFile: s.clientKey, knownHostsFile, ...extra,
  });
  const fresh = (content = ''): string => {
    const f = join(a.dir, `kh-${++n}`);
    writeFileSync(f, content, { mode: 0o600 });
    return f;
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startSshd(), startSshd()]);
    appendFileSync(join(a.dir, 'authorized_keys'), readFileSync(`${b.clientKey}.pub`));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('refuses an unknown host key with the ssh-keyscan hint', async () => {
    const kh = fresh();
    const c = createSshConnection(settingsFor(a, kh), runtime());
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toContain(
      `host key for [127.0.0.1]:${a.port} is not known; add it with \`ssh-keyscan -p ${a.port} 127.0.0.1 >> ${kh}\` or set host_key_checking: accept-new`,
    );
    expect(readFileSync(kh, 'utf8')).toBe('');
  });

  it('accept-new appends the key (file created 0600) and then verifies it', async () => {
    const kh = join(a.dir, 'sub', `new-${++n}`);
    const c = createSshConnection(settingsFor(a, kh, { hostKeyChecking: 'accept-new' }), runtime());
    expect((await c.exec('echo ok')).stdout).toBe('ok\n');
    await c.close();
    expect(readFileSync(kh, 'utf8')).toBe(`${a.knownHostsLine}\n`);
    expect(statSync(kh).mode & 0o777).toBe(0o600);
    const again = createSshConnection(settingsFor(a, kh), runtime());
    await again.connect();
    await again.close();
  });

  it('refuses a changed key loudly, naming the file and line, even with accept-new', async () => {
    const other = b.knownHostsLine.split(' ').slice(1).join(' ');
    const kh = fresh(`# comment\n[127.0.0.1]:${a.port} ${other}\n`);
    const c = createSshConnection(settingsFor(a, kh, { hostKeyChecking: 'accept-new' }), runtime());
    await expect(c.connect()).rejects.toThrow(new RegExp(`HOST KEY FOR \\[127\\.0\\.0\\.1\\]:${a.port} HAS CHANGED.*${kh}:2`));
  });

  it('accepts hashed entries and refuses @revoked keys', async () => {
    const [, type, key] = a.knownHostsLine.split(' ');
    const ok = createSshConnection(settingsFor(a, fresh(`${hashed(`[127.0.0.1]:${a.port}`, type!, key!)}\n`)), runtime());
    await ok.connect();
    await ok.close();
    const kh = fresh(`${a.knownHostsLine}\n@revoked * ${type} ${key}\n`);
    const revoked = createSshConnection(settingsFor(a, kh), runtime());
    await expect(revoked.connect()).rejects.toThrow(new RegExp(`revoked \\(@revoked in ${kh}:2\\)`));
  });

  it('host_key_checking: false connects and warns once', async () => {
    const rt = runtime();
    warnings.length = 0;
    for (let i = 0; i < 2; i++) {
      const c = createSshConnection(settingsFor(a, fresh(), { hostKeyChecking: false }), rt);
      await c.connect();
      await c.close();
    }
    expect(warnings.filter((w) => w.includes('host key checking is disabled'))).toHaveLength(1);
  });

  it('reaches a host through a jump host (-J), verifying both host keys', async () => {
    const kh = fresh(`${a.knownHostsLine}\n${b.knownHostsLine}\n`);
    const stats = new SshStats();
    const s = settingsFor(b, kh, { commonArgs: `-o ControlMaster=auto -J root@127.0.0.1:${a.port}` });
    const c = createSshConnection(s, { ...runtime(), stats });
    try {
      expect((await c.exec('echo via-jump')).stdout).toBe('via-jump\n');
      await c.writeFile(join(b.dir, 'through-jump'), 'x', { mode: 0o600 });
      expect(readFileSync(join(b.dir, 'through-jump'), 'utf8')).toBe('x');
      expect(stats.get(s.host)).toMatchObject({ connections: 2, handshakes: 2 });
    } finally {
      await c.close();
    }
    const unknownTarget = createSshConnection({ ...s, knownHostsFile: fresh(`${a.knownHostsLine}\n`) }, runtime());
    await expect(unknownTarget.connect()).rejects.toThrow(new RegExp(`host key for \\[127\\.0\\.0\\.1\\]:${b.port} is not known`));
  });
});
