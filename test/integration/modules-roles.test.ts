/** Modules popular roles use (pause, authorized_key, ...): on the local connection in temp dirs; expectations from ansible-playbook 2.14 runs. */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorized_key } from '../../src/modules/authorized_key.js';
import { runModule } from '../../src/modules/run.js';
import type { TestContext } from '../helpers/module-context.js';
import { makeContext } from '../helpers/module-context.js';

let t: TestContext;
beforeEach(async () => {
  t = await makeContext();
});
afterEach(() => t.cleanup());

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('authorized_key', () => {
  it('adds, replaces on other options, removes, exclusive; the same file as ansible.posix.authorized_key writes', async () => {
    const user = userInfo().username;
    const ssh = join(t.root, 'home/.ssh');
    const path = join(ssh, 'authorized_keys');
    mkdirSync(ssh, { recursive: true, mode: 0o755 });
    writeFileSync(path, '# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\n');
    const run = (args: Record<string, unknown>, o: { checkMode?: boolean; diffMode?: boolean } = {}) => runModule(authorized_key, t.with(o), { user, path, ...args });

    const check = await run({ key: 'ssh-ed25519 AAAA one@x\nssh-rsa DDDD' }, { checkMode: true, diffMode: true });
    expect(check.changed).toBe(true);
    expect(check.diff?.[0]?.after).toBe('# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \n');
    expect(readFileSync(path, 'utf8')).toBe('# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\n');

    expect((await run({ key: 'ssh-ed25519 AAAA one@x\nssh-rsa DDDD' })).changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('# managed\nssh-rsa BBBB old@host\n\nfrom="10.0.0.1" ssh-ed25519 CCCC c\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \n');
    expect(mode(ssh)).toBe(0o700);
    expect(mode(path)).toBe(0o600);

    await run({ key: 'ssh-ed25519 CCCC new', key_options: 'no-pty,from="a,b"' });
    expect(readFileSync(path, 'utf8')).toBe('# managed\nssh-rsa BBBB old@host\n\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \nno-pty,from="a,b" ssh-ed25519 CCCC new\n');
    expect((await run({ key: 'ssh-ed25519 CCCC new', key_options: 'from="a,b",no-pty' })).changed).toBe(false);

    expect((await run({ key: 'ssh-rsa BBBB', state: 'absent' })).changed).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('# managed\n\nssh-ed25519 AAAA one@x\nssh-rsa DDDD \nno-pty,from="a,b" ssh-ed25519 CCCC new\n');
    expect((await run({ key: 'ssh-rsa BBBB', state: 'absent' })).changed).toBe(false);

    await run({ key: 'ssh-ed25519 AAAA one@x', comment: 'hi there', exclusive: true });
    expect(readFileSync(path, 'utf8')).toBe('ssh-ed25519 AAAA hi there\n');
    const again = await run({ key: 'ssh-ed25519 AAAA one@x', comment: 'hi there', exclusive: true });
    expect(again.changed).toBe(false);
  });

  it('fails on a line that is no key, and on a user that does not exist', async () => {
    const path = join(t.root, 'k');
    const bad = await runModule(authorized_key, t.ctx, { user: userInfo().username, path, key: 'not a key' });
    expect(bad).toMatchObject({ failed: true, msg: 'invalid key specified: not a key' });
    const nouser = await runModule(authorized_key, t.ctx, { user: 'no-such-user-x7', key: 'ssh-rsa AAAA' });
    expect(nouser.failed).toBe(true);
    expect(String(nouser.msg)).toContain('Failed to lookup user no-such-user-x7');
  });
});
