import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHclValue } from '../../lab/hcl/index.js';
import { secretDot } from '../../lab/standins/ct-runner.js';
import { TemplateError, parseTemplate, renderTemplate } from '../../lab/standins/ct-template.js';
import { mergeNomadConfigs, nomadConfig } from '../../lab/standins/nomad-config.js';
import { execArgv, parseUnit, splitWords } from '../../lab/standins/systemd-unit.js';
import { buildZip, crc32 } from '../../lab/standins/zip.js';

const AGENT_CRT = `{{ with secret "pki_int/issue/nomad-cluster" "common_name=server.global.nomad" "ttl=24h" "alt_names=localhost" "ip_sans=127.0.0.1"}}
{{ .Data.certificate }}
{{ end }}
`;
const AGENT_KEY = AGENT_CRT.replace('.Data.certificate', '.Data.private_key');
const CA_CRT = `{{ with secret "pki_int/issue/nomad-cluster" "common_name=server.global.nomad" "ttl=24h"}}
{{ .Data.issuing_ca }}
{{ end }}
`;

describe('Go template subset', () => {
  it('gives agent.crt and agent.key the same secret key and ca.crt another', () => {
    const [crt, key, ca] = [AGENT_CRT, AGENT_KEY, CA_CRT].map((t) => parseTemplate(t, 't.tpl'));
    expect(crt?.secrets).toHaveLength(1);
    expect(crt?.secrets[0]?.key).toBe(key?.secrets[0]?.key);
    expect(ca?.secrets[0]?.key).not.toBe(crt?.secrets[0]?.key);
    // argument order does not make a different call
    const reordered = parseTemplate('{{ with secret "p" "b=2" "a=1" }}{{ end }}', 'x');
    expect(reordered.secrets[0]?.key).toBe(parseTemplate('{{ with secret "p" "a=1" "b=2" }}{{ end }}', 'x').secrets[0]?.key);
  });

  it('renders like text/template, including newlines around actions', () => {
    const t = parseTemplate(AGENT_CRT, 'agent.crt.tpl');
    const key = t.secrets[0]?.key ?? '';
    const out = renderTemplate(t, (k) => (k === key ? secretDot({ lease_id: 'l', data: { certificate: 'CERT' } }) : undefined));
    expect(out).toBe('\nCERT\n\n');
  });

  it('trims with {{- and -}}, supports else, comments, missing keys and lists', () => {
    const t = parseTemplate('a  {{- with secret "s" -}}  [{{ .Data.x }}|{{ .Data.nope }}|{{ .Data.l }}]{{/* c */}}{{ else }}none{{ end -}}  \nz', 'f');
    expect(renderTemplate(t, () => ({ Data: { x: 'X', l: ['p', 'q'] } }))).toBe('a[X|<no value>|[p q]]z');
    expect(renderTemplate(t, () => undefined)).toBe('anonez');
  });

  const bad: Array<[string, string]> = [
    ['{{ with secret "p" }}', 'f.tpl:1:1: {{ with }} has no matching {{ end }}'],
    ['x\n  {{ end }}', 'f.tpl:2:3: unexpected {{ end }}'],
    ['{{ .Data.x | toJSON }}', 'f.tpl:1:1: unsupported template action'],
    ['{{ with secret "p" "novalue" }}{{ end }}', 'f.tpl:1:1: secret argument "novalue" must be key=value'],
    ['{{ .Data.x ', 'f.tpl:1:1: unclosed action'],
    ['{{ range .Data }}{{ end }}', 'f.tpl:1:1: unsupported template action {{ range .Data }}'],
  ];
  it.each(bad)('rejects %j', (src, msg) => {
    expect(() => parseTemplate(src, 'f.tpl')).toThrow(TemplateError);
    expect(() => parseTemplate(src, 'f.tpl')).toThrow(msg);
  });
});

describe('Nomad config merge rules', () => {
  const f = (file: string, text: string) => ({ file, value: parseHclValue(text, file) });
  const base = f('10-base.hcl', 'data_dir = "/a"\nserver {\n enabled = true\n bootstrap_expect = 1\n}\ntls {\n http = true\n rpc_upgrade_mode = true\n cert_file = "/c"\n key_file = "/k"\n}');

  it('merges server field by field, ORs tls booleans, later scalars override', () => {
    const later = f('20-more.hcl', 'data_dir = "/b"\nserver { encrypt = "cg8StVXbQJ0gPvMd9o7yrg==" }\ntls {\n http = false\n rpc = true\n rpc_upgrade_mode = false\n cert_file = "/c2"\n}');
    const m = mergeNomadConfigs([base, later]);
    expect(m['data_dir']).toBe('/b');
    expect(m['server']).toEqual({ enabled: true, bootstrap_expect: 1, encrypt: 'cg8StVXbQJ0gPvMd9o7yrg==' });
    expect(m['tls']).toMatchObject({ http: true, rpc: true, rpc_upgrade_mode: true, cert_file: '/c2', key_file: '/k' });
    const cfg = nomadConfig([base, later]);
    expect(cfg.tls).toMatchObject({ http: true, rpc: true, rpcUpgradeMode: true, certFile: '/c2' });
    expect(cfg.server.encrypt).toBe('cg8StVXbQJ0gPvMd9o7yrg==');
  });

  it('reads JSON-style values the same way', () => {
    const cfg = nomadConfig([{ file: 'a.json', value: { client: { enabled: true, servers: ['10.0.0.1:4647'] }, ports: { http: 5646 } } }]);
    expect(cfg.client).toEqual({ enabled: true, servers: ['10.0.0.1:4647'] });
    expect(cfg.ports).toEqual({ http: 5646, rpc: 4647, serf: 4648 });
  });

  it('validates the gossip key, tls keys and that a role is enabled', () => {
    expect(() => nomadConfig([base, f('x.hcl', 'server { encrypt = "c2hvcnQ=" }')])).toThrow('server.encrypt: must be base64 of 16 or 32 bytes (got 5 bytes)');
    expect(() => nomadConfig([base, f('x.hcl', 'tls { verfy_https_client = true }')])).toThrow('10-base.hcl, x.hcl: tls: unexpected key "verfy_https_client"');
    expect(() => nomadConfig([f('y.hcl', 'data_dir = "/x"')])).toThrow('y.hcl: must enable the server or the client');
    expect(() => nomadConfig([f('z.hcl', 'client { enabled = true }\ntls { http = true }')])).toThrow('cert_file and key_file are required');
  });
});

describe('systemd units', () => {
  it('parses Exec lines, environment and install targets', () => {
    const u = parseUnit('x.service', '/etc/systemd/system/x.service', [
      '[Unit]', 'Description=X', '[Service]', 'Environment="A=one two" B=3', 'EnvironmentFile=-/nope',
      'ExecStart=/bin/echo first', 'ExecStart=', 'ExecStart=/usr/bin/x \\', '  --flag "quoted arg" ${A} $B %n', 'ExecReload=/bin/kill -HUP $MAINPID',
      '[Install]', 'WantedBy=multi-user.target',
    ].join('\n'));
    expect(u.environment).toEqual({ A: 'one two', B: '3' });
    expect(u.wantedBy).toEqual(['multi-user.target']);
    expect(u.execStart).toHaveLength(1);
    expect(execArgv(u.execStart[0] ?? '', u.environment, u.name).argv).toEqual(['/usr/bin/x', '--flag', 'quoted arg', 'one two', '3', 'x.service']);
    expect(execArgv(u.execReload[0] ?? '', { MAINPID: '42' }, u.name).argv).toEqual(['/bin/kill', '-HUP', '42']);
    expect(parseUnit('s.service', 'p', '[Service]\nExecStart=/bin/true').wantedBy).toBeUndefined();
    expect(() => splitWords('a "b')).toThrow('unbalanced quote');
  });
});

describe('zip writer', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes an archive unzip accepts, with the executable mode, reproducibly', () => {
    const entries = [{ name: 'consul-template', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 }];
    const zip = buildZip(entries);
    expect(buildZip(entries).equals(zip)).toBe(true);
    if (spawnSync('sh', ['-c', 'command -v unzip']).status !== 0) return;
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    writeFileSync(join(dir, 'a.zip'), zip);
    execFileSync('unzip', ['-q', 'a.zip'], { cwd: dir });
    expect(execFileSync('sh', ['-c', 'stat -c %a consul-template && ./consul-template'], { cwd: dir, encoding: 'utf8' })).toBe('755\nhi\n');
  });
});
