/**
 * The consul-template stand-in's configuration and renewal rules against consul-template 0.39.1
 * (lab/standins/CONFORMANCE.md, "consul-template"): key sets, mapstructure's error text, merge
 * and defaults, leaseCheckWait, the renderer's write rules.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileMode, loadCtConfig } from '../../lab/standins/ct-config.js';
import { writeAtomic } from '../../lab/standins/ct-files.js';
import { Runner, leaseCheckWaitMs } from '../../lab/standins/ct-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'ct-config-'));
let n = 0;
function file(text: string, name = `c${++n}.hcl`): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}
const load = (text: string): ReturnType<typeof loadCtConfig> => loadCtConfig([file(text)], {});
const TPL = 'template {\n  source = "/t/a.tpl"\n  destination = "/o/a"\n}\n';

describe('consul-template configuration (config.Parse, 0.39.1)', () => {
  it('refuses vault.grace (removed in 0.24) with mapstructure ErrorUnused text', () => {
    const f = file('vault {\n  address = "http://v:8200"\n  grace = "1s"\n}\n');
    expect(() => loadCtConfig([f], {})).toThrow(`from file: ${f}: mapstructure decode failed: 1 error(s) decoding:\n\n* 'vault' has invalid keys: grace`);
  });

  it('collects every unknown key, sorted, with nested and template names', () => {
    const f = file('bogus = 1\nvault {\n  address = "x"\n  ssl {\n    ca_file = "/c"\n  }\n}\ntemplate {\n  source = "s"\n  destination = "d"\n  mode = "0600"\n  owner = "nomad"\n}\n');
    expect(() => loadCtConfig([f], {})).toThrow(
      "3 error(s) decoding:\n\n* '' has invalid keys: bogus\n* 'template[0]' has invalid keys: mode, owner\n* 'vault.ssl' has invalid keys: ca_file",
    );
  });

  it('checks value types as mapstructure does', () => {
    expect(() => load('vault {\n  renew_token = "yes"\n}\n')).toThrow("* 'vault.renew_token' expected type 'bool', got unconvertible type 'string', value: 'yes'");
    expect(() => load('vault {\n  default_lease_duration = "5 minutes"\n}\n')).toThrow(`* error decoding 'vault.default_lease_duration': time: invalid duration "5 minutes"`);
    expect(() => load('template {\n  perms = "rw-"\n}\n')).toThrow(`* error decoding 'template[0].perms': strconv.ParseUint: parsing "rw-": invalid syntax`);
  });

  it('matches keys case-insensitively and keeps the last of a repeated block', () => {
    const c = load('vault {\n  address = "http://a:8200"\n}\nvault {\n  Address = "http://b:8200"\n  RENEW_TOKEN = false\n}\n');
    expect(c.vault.address).toBe('http://b:8200');
    expect(c.vault.renewToken).toBe(false);
  });

  it('accepts what the product writes: ssl, lease_renewal_threshold, user/group/perms', () => {
    const c = load(
      'vault {\n  address = "https://v:8200"\n  token = "t"\n  unwrap_token = false\n  renew_token = true\n  lease_renewal_threshold = 0.9\n' +
        '  ssl {\n    enabled = true\n    verify = true\n    ca_cert = "/etc/consul-template.d/vault-ca.pem"\n  }\n}\n' +
        'syslog {\n  enabled = true\n  facility = "LOCAL5"\n}\n' +
        'template {\n  source = "/t/a.tpl"\n  destination = "/o/a"\n  perms = 0640\n  user = "root"\n  group = "nomad"\n  command = "systemctl reload nomad"\n}\n',
    );
    expect(c.vault).toMatchObject({ sslEnabled: true, sslVerify: true, caCert: '/etc/consul-template.d/vault-ca.pem', leaseRenewalThreshold: 0.9 });
    expect(c.templates[0]).toMatchObject({ perms: 0o640, user: 'root', group: 'nomad', command: 'systemctl reload nomad' });
  });

  it('Finalize: ssl on and verified by default, VAULT_CACERT, 5m default lease, 0.90 threshold, uid/gid as user/group', () => {
    const c = loadCtConfig([file(`vault {\n  address = "https://v"\n}\ntemplate {\n  source = "s"\n  destination = "d"\n  uid = 0\n  gid = 4\n}\n`)], { VAULT_CACERT: '/ca.pem' });
    expect(c.vault).toMatchObject({ sslEnabled: true, sslVerify: true, caCert: '/ca.pem', defaultLeaseMs: 300_000, leaseRenewalThreshold: 0.9 });
    expect(c.templates[0]).toMatchObject({ user: '0', group: '4', perms: undefined });
    expect(fileMode('0600')).toBe(0o600);
    expect(fileMode(0o700)).toBe(0o700);
  });

  it('FromPath reads every file under a directory in lexical order; later vault fields win, templates add up', () => {
    const d = join(dir, 'conf.d');
    mkdirSync(join(d, 'sub'), { recursive: true });
    writeFileSync(join(d, '10-vault.hcl'), 'vault {\n  address = "http://a"\n  token = "t1"\n}\n' + TPL);
    writeFileSync(join(d, '20-more'), 'vault {\n  token = "t2"\n}\n' + TPL);
    writeFileSync(join(d, 'sub', 'x.json'), JSON.stringify({ template: [{ source: '/t/b.tpl', destination: '/o/b' }] }));
    const c = loadCtConfig([d], {});
    expect(c.vault).toMatchObject({ address: 'http://a', token: 't2' });
    expect(c.templates.map((t) => t.source)).toEqual(['/t/a.tpl', '/t/a.tpl', '/t/b.tpl']);
    writeFileSync(join(d, '30-bad.hcl'), 'vault {\n  grace = "1s"\n}\n');
    expect(() => loadCtConfig([d], {})).toThrow(`walk error: from file: ${join(d, '30-bad.hcl')}: mapstructure decode failed`);
  });
});

describe('templates (template/template.go NewTemplate)', () => {
  it('need exactly one of source and contents', () => {
    const both = load('template {\n  source = "/nonexistent"\n  contents = "x"\n  destination = "/o"\n}\n');
    expect(() => new Runner(both, true)).toThrow("template: cannot specify both 'source' and 'contents'");
    const none = load('template {\n  destination = "/o"\n}\n');
    expect(() => new Runner(none, true)).toThrow("template: must specify exactly one of 'source' or 'contents'");
  });
});

describe('leaseCheckWait (dependency/vault_common.go)', () => {
  const opts = { defaultLeaseMs: 300_000, threshold: 0.9 };
  it('non-renewable lease: threshold ± 0.05 of the lease', () => {
    expect(leaseCheckWaitMs({ lease_id: 'l', lease_duration: 1000, renewable: false, data: { certificate: 'x' } }, opts, 0, () => 0.5)).toBe(900_000);
    expect(leaseCheckWaitMs({ lease_id: 'l', lease_duration: 1000, data: {} }, opts, 0, () => 0)).toBe(850_000);
    expect(leaseCheckWaitMs({ lease_id: 'l', lease_duration: 1000, data: {} }, opts, 0, () => 1)).toBe(950_000);
  });
  it('a certificate without a lease counts from its expiration; nothing known: default_lease_duration', () => {
    expect(leaseCheckWaitMs({ data: { certificate: 'x', expiration: 1100 } }, opts, 100_000, () => 0.5)).toBe(900_000);
    expect(leaseCheckWaitMs({ data: { certificate: 'x' } }, opts, 0, () => 0.5)).toBe(270_000);
  });
  it('renewable: a third of the lease, staggered by (rand+1)/2', () => {
    expect(leaseCheckWaitMs({ lease_id: 'l', lease_duration: 300, renewable: true }, opts, 0, () => 1)).toBe(100_000);
    expect(leaseCheckWaitMs({ lease_id: 'l', lease_duration: 300, renewable: true }, opts, 0, () => 0)).toBe(50_000);
  });
});

describe('renderer.Render / AtomicWrite (renderer/renderer.go)', () => {
  const out = join(dir, 'out', 'f.pem');
  it('creates a missing parent 0755, the file with perms, else 0644', () => {
    expect(writeAtomic(out, 'a', 0o640, true).changed).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, 'out')).mode & 0o777).toBe(0o755);
    expect(writeAtomic(join(dir, 'out', 'g'), 'g', undefined, true).mode).toBe(0o644);
    expect(() => writeAtomic(join(dir, 'nodir', 'x'), 'x', undefined, false)).toThrow('missing destination parent directory');
  });
  it('same content, no chown needed: nothing written and the mode left as it is', () => {
    expect(writeAtomic(out, 'a', 0o600, true)).toEqual({ changed: false, mode: 0o640 });
    expect(statSync(out).mode & 0o777).toBe(0o640);
  });
  it('new content keeps the existing mode when perms is unset; user/group chown it, unknown names fail', () => {
    expect(writeAtomic(out, 'b', undefined, true).mode).toBe(0o640);
    expect(readFileSync(out, 'utf8')).toBe('b');
    const gid = statSync(out).gid;
    expect(writeAtomic(out, 'b', undefined, true, '', String(gid === 0 ? 1 : 0)).changed).toBe(true); // chown needed
    expect(statSync(out).gid).toBe(gid === 0 ? 1 : 0);
    expect(() => writeAtomic(out, 'c', undefined, true, 'no-such-user-x')).toThrow('failed looking up user: user: unknown user no-such-user-x');
    expect(() => writeAtomic(out, 'c', undefined, true, '', 'no-such-group-x')).toThrow('failed looking up group: group: unknown group no-such-group-x');
  });
});
