import { describe, expect, it } from 'vitest';
import { HclError, asList, formatHcl, hclLabeled, hclOctal, parseHcl, parseHclValue } from '../../lab/hcl/index.js';

const CONSUL_TEMPLATE_HCL = `# This denotes the start of the configuration section for Vault.
vault {
  # This is the address of the Vault leader.
  address      = "http://active.vault.service.consul:8200"
  token        = "s.m069Vpul3c4lfGnJ6unpxgxD"
  lease_renewal_threshold = 0.9
  unwrap_token = false
  renew_token  = true
}

syslog {
  enabled  = true
  facility = "LOCAL5"
}

template {
  source      = "/opt/nomad/templates/agent.crt.tpl"
  destination = "/opt/nomad/agent-certs/agent.crt"
  perms       = 0700
  command     = "systemctl reload nomad"
}

template {
  source      = "/opt/nomad/templates/agent.key.tpl"
  destination = "/opt/nomad/agent-certs/agent.key"
  perms       = 0700
  command     = "systemctl reload nomad"
}

template {
  source      = "/opt/nomad/templates/ca.crt.tpl"
  destination = "/opt/nomad/agent-certs/ca.crt"
  command     = "systemctl reload nomad"
}

# The following template stanzas are for the CLI certs

template {
  source      = "/opt/nomad/templates/cli.crt.tpl"
  destination = "/opt/nomad/cli-certs/cli.crt"
}

template {
  source      = "/opt/nomad/templates/cli.key.tpl"
  destination = "/opt/nomad/cli-certs/cli.key"
}
`;

const NOMAD_TLS = `tls {
  http = true
  rpc  = true

  ca_file   = "/opt/nomad/agent-certs/ca.crt"
  cert_file = "/opt/nomad/agent-certs/agent.crt"
  key_file  = "/opt/nomad/agent-certs/agent.key"

  verify_server_hostname = true
  verify_https_client    = true
  rpc_upgrade_mode       = true
}

server {
  enabled = true

  // Self-elect, should be 3 or 5 for production
  bootstrap_expect = 1

  /* Encrypt gossip
     communication */
  encrypt = "cg8StVXbQJ0gPvMd9o7yrg=="
}
`;

describe('parseHcl: the guide configs', () => {
  it('reads consul-template.hcl with repeated template blocks as an array', () => {
    const v = parseHclValue(CONSUL_TEMPLATE_HCL, 'consul-template.hcl');
    expect(v['vault']).toEqual({
      address: 'http://active.vault.service.consul:8200',
      token: 's.m069Vpul3c4lfGnJ6unpxgxD',
      lease_renewal_threshold: 0.9,
      unwrap_token: false,
      renew_token: true,
    });
    expect(v['syslog']).toEqual({ enabled: true, facility: 'LOCAL5' });
    const templates = asList(v['template']);
    expect(templates).toHaveLength(5);
    expect(templates[0]).toMatchObject({ perms: 0o700, command: 'systemctl reload nomad' });
    expect(templates[4]).toEqual({ source: '/opt/nomad/templates/cli.key.tpl', destination: '/opt/nomad/cli-certs/cli.key' });
  });

  it('keeps octal as written in the AST and its value as HCL1 does', () => {
    const f = parseHcl(CONSUL_TEMPLATE_HCL, 'ct.hcl');
    const tpl = f.body.items.find((i) => i.kind === 'block' && i.type === 'template');
    expect(tpl?.kind).toBe('block');
    if (tpl?.kind !== 'block') return;
    const perms = tpl.body.items.find((i) => i.kind === 'attribute' && i.key === 'perms');
    expect(perms).toMatchObject({ value: { kind: 'number', raw: '0700', value: 448 }, pos: { line: 19, column: 3 } });
  });

  it('reads the nomad tls and server blocks with all comment styles', () => {
    const v = parseHclValue(NOMAD_TLS, 'nomad.hcl');
    expect(v['tls']).toMatchObject({ http: true, rpc: true, verify_https_client: true, rpc_upgrade_mode: true, key_file: '/opt/nomad/agent-certs/agent.key' });
    expect(v['server']).toEqual({ enabled: true, bootstrap_expect: 1, encrypt: 'cg8StVXbQJ0gPvMd9o7yrg==' });
  });
});

describe('parseHcl: syntax', () => {
  it('handles labels, lists, objects, escapes, interpolation and heredocs', () => {
    const v = parseHclValue(
      [
        'path "pki_int/issue/nomad-cluster" { capabilities = ["update", "read",] }',
        'job "web" {\n  group "g" { count = 3 }\n}',
        'meta = { "a.b" = "c", d: -1.5e2 }',
        'msg = "tab\\there \\"q\\" \\u00e9 ${var.x} ${jsonencode({a = "}"})} %{ if x }y%{ endif }"',
        'script = <<-EOT',
        '    line one',
        '      indented',
        '    EOT',
        'raw = <<EOF',
        '  kept',
        'EOF',
        'hex = 0x1F',
        'nothing = null',
        'one_line { a = 1 b = "2" }',
      ].join('\n'),
    );
    expect(v['path']).toEqual({ 'pki_int/issue/nomad-cluster': { capabilities: ['update', 'read'] } });
    expect(v['job']).toEqual({ web: { group: { g: { count: 3 } } } });
    expect(v['meta']).toEqual({ 'a.b': 'c', d: -150 });
    expect(v['msg']).toBe('tab\there "q" é ${var.x} ${jsonencode({a = "}"})} %{ if x }y%{ endif }');
    expect(v['script']).toBe('line one\n  indented\n');
    expect(v['raw']).toBe('  kept\n');
    expect(v['hex']).toBe(31);
    expect(v['nothing']).toBeNull();
    expect(v['one_line']).toEqual({ a: 1, b: '2' });
  });

  it('makes repeated labelled blocks with the same label an array', () => {
    const v = parseHclValue('a "x" { n = 1 }\na "x" { n = 2 }\na "y" { n = 3 }');
    expect(v['a']).toEqual({ x: [{ n: 1 }, { n: 2 }], y: { n: 3 } });
  });

  const bad: Array<[string, string]> = [
    ['a = "open', 'f.hcl:1:5: unterminated string'],
    ['a {\n  b = 1\n', 'f.hcl:3:1: expected "}" to close "{" opened at line 1:3, found end of file'],
    ['a = 1\na = 2', 'f.hcl:2:1: duplicate attribute "a" (first set at line 1:1)'],
    ['x = foo', 'f.hcl:1:5: unsupported expression "foo"'],
    ['x = "\\q"', 'f.hcl:1:6: invalid escape sequence \\q'],
    ['/* never closed', 'f.hcl:1:1: unterminated /* comment'],
    ['x = <<EOF\nbody\n', 'f.hcl:1:5: unterminated heredoc: missing closing EOF'],
    ['x = [1 2]', 'f.hcl:1:8: expected "," or "]" in list'],
    ['x = 12ab', 'f.hcl:1:5: invalid number'],
    ['a = 1\na { }', 'f.hcl:2:1: block "a" conflicts with attribute "a"'],
    ['tls\n  http = true', 'f.hcl:2:8: expected "=" or "{" after "tls", found "="'],
  ];
  it.each(bad)('reports %j with file:line:col', (src, msg) => {
    let err: unknown;
    try {
      parseHclValue(src, 'f.hcl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HclError);
    expect((err as HclError).message.startsWith(msg)).toBe(true);
  });
});

describe('formatHcl', () => {
  const config = {
    vault: { address: 'http://10.213.0.1:8200', token: 'abc', renew_token: true },
    template: [
      { source: '/a.tpl', destination: '/a', perms: hclOctal(0o700), command: 'systemctl reload nomad' },
      { source: '/b.tpl', destination: '/b "q"\n' },
    ],
    path: hclLabeled(['pki_int/issue/nomad-cluster'], { capabilities: ['update'] }),
    empty: {},
    skipped: undefined,
  };

  it('writes aligned attributes, repeated blocks, labels and octal', () => {
    expect(formatHcl(config, { header: ['generated'] })).toBe(
      [
        '# generated',
        '',
        'vault {',
        '  address     = "http://10.213.0.1:8200"',
        '  token       = "abc"',
        '  renew_token = true',
        '}',
        '',
        'template {',
        '  source      = "/a.tpl"',
        '  destination = "/a"',
        '  perms       = 0700',
        '  command     = "systemctl reload nomad"',
        '}',
        '',
        'template {',
        '  source      = "/b.tpl"',
        '  destination = "/b \\"q\\"\\n"',
        '}',
        '',
        'path "pki_int/issue/nomad-cluster" {',
        '  capabilities = ["update"]',
        '}',
        '',
        'empty {}',
        '',
      ].join('\n'),
    );
  });

  it('round-trips through the parser', () => {
    const value = {
      data_dir: '/opt/nomad/data',
      ports: { http: 4646, rpc: 4647 },
      meta: [{ k: 'v' }, { k: 'w' }],
      list: [1, 'two', true, null, { inline: 'obj' }],
      tls: { http: true, ca_file: '${env.X}' },
    };
    const back = parseHclValue(formatHcl(value));
    expect(back).toEqual(value);
    expect(formatHcl(value)).toBe(formatHcl(back));
  });

  it('rejects values HCL cannot hold', () => {
    expect(() => formatHcl({ a: { b: Number.NaN } })).toThrow('formatHcl: a.b: NaN is not a finite number');
    expect(() => formatHcl({ f: () => 1 })).toThrow('formatHcl: f: cannot write a value of type function');
  });
});
