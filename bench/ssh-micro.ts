/**
 * SSH micro-benchmark against a throwaway local sshd (needs root): handshake, exec round trip,
 * SFTP atomic write, stat. Build first: `npm run build && node dist/bench/ssh-micro.js`.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSshConnection, SshStats } from '../src/connection/ssh/index.js';
import { startSshd } from '../lab/sshd.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

async function main(): Promise<void> {
  // A test user with /bin/sh as login shell: root's login shell here is bash, which sources the
  // machine's ~/.bashrc on every exec and would dominate the numbers.
  const sshd = await startSshd({ users: [{ name: 'orchbench', uid: 4301, password: 'bench-pw-1', sudo: 'nopasswd' }] });
  appendFileSync(sshd.knownHostsFile, `${sshd.knownHostsLine}\n`);
  const stats = new SshStats();
  const runtime = { stats, sshConfig: { blocks: [{ entries: [] }], warnings: [] }, agentSocket: '' };
  const settings = {
    host: 'bench', address: sshd.host, port: sshd.port, user: 'orchbench', transport: 'ssh' as const,
    privateKeyFile: sshd.clientKey, knownHostsFile: sshd.knownHostsFile,
  };
  try {
    const hs = await timeEach(10, async () => {
      const c = createSshConnection(settings, runtime);
      await c.connect();
      await c.close();
    });
    const c = createSshConnection(settings, runtime);
    await c.connect();
    const exec = await timeEach(50, () => c.exec('true'));
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 100 }, () => c.exec('true')));
    const execPar = (performance.now() - t0) / 100;
    await c.stat('/');
    const dir = join(sshd.dir, 'home', 'orchbench', 'w');
    await c.mkdir(dir);
    const write = await timeEach(100, (i) => c.writeFile(join(dir, `f${i % 5}`), `content ${i}`, { mode: 0o600 }));
    const t1 = performance.now();
    await Promise.all(Array.from({ length: 100 }, (_, i) => c.writeFile(join(dir, `p${i}`), `content ${i}`, { mode: 0o600 })));
    const writePar = (performance.now() - t1) / 100;
    const stat = await timeEach(100, () => c.stat(join(dir, 'f0')));
    const sha = await timeEach(100, () => c.sha256(join(dir, 'f0')));
    await c.close();
    const r = (x: number): string => x.toFixed(2);
    console.log(`handshake (connect+auth+close, median of 10): ${r(hs)} ms`);
    console.log(`exec round trip 'true' (median of 50, sequential): ${r(exec)} ms; 100 concurrent: ${r(execPar)} ms each`);
    console.log(`sftp atomic write (open wx+fchmod+write+fsync+close+posix-rename, median of 100): ${r(write)} ms; 100 concurrent: ${r(writePar)} ms each`);
    console.log(`sftp stat (lstat) ${r(stat)} ms; sha256 (stat+read) ${r(sha)} ms`);
    console.log('counters:', JSON.stringify(stats.total()));
  } finally {
    await sshd.stop();
  }
}

await main();
