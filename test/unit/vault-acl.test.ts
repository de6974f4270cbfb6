import { describe, expect, it } from 'vitest';
import { Acl, DEFAULT_POLICY, comparePriority, matches, parsePolicy, PolicyError } from '../../lab/vault/acl.js';

const TLS = `path "pki_int/issue/nomad-cluster" {\n  capabilities = ["update"]\n}\n`;

describe('policy parsing', () => {
  it('reads HCL with comments, JSON and legacy policy= forms', () => {
    const p = parsePolicy('x', `# comment\npath "a/*" { capabilities = ["read", "list"] } // trailing\n/* block */ path "b" { policy = "write" }`);
    expect(p.rules).toEqual([
      { pattern: 'a/*', capabilities: ['read', 'list'] },
      { pattern: 'b', capabilities: ['create', 'read', 'update', 'delete', 'list'] },
    ]);
    expect(parsePolicy('j', '{"path":{"c/+":{"capabilities":["deny","read"]}}}').rules).toEqual([{ pattern: 'c/+', capabilities: ['deny'] }]);
    expect(parsePolicy('default', DEFAULT_POLICY).rules.length).toBeGreaterThan(5);
  });

  it('reports the position of syntax errors and bad capabilities', () => {
    expect(() => parsePolicy('x', 'path "a" {\n  capabilities = ["read"\n')).toThrow(/At 3:1: /);
    expect(() => parsePolicy('x', 'path "a" { capabilities = ["raed"] }')).toThrow(PolicyError);
    expect(() => parsePolicy('x', 'path "a" { capabilities = ["raed"] }')).toThrow(/invalid capability "raed"/);
    expect(() => parsePolicy('x', 'path "a/*/b" { capabilities = ["read"] }')).toThrow(/only allowed at the end/);
    expect(() => parsePolicy('x', 'path "a" {\n  capabilities = @\n}')).toThrow(/At 2:18: /);
  });
});

describe('path matching', () => {
  const table: [string, string, boolean][] = [
    ['pki_int/issue/nomad-cluster', 'pki_int/issue/nomad-cluster', true],
    ['pki_int/issue/nomad-cluster', 'pki_int/issue/nomad-cluster2', false],
    ['pki_int/issue/*', 'pki_int/issue/anything/deeper', true],
    ['pki_int/*', 'pki_int', false],
    ['pki*', 'pki_int/issue/x', true],
    ['secret/+/config', 'secret/app/config', true],
    ['secret/+/config', 'secret/app/x/config', false],
    ['secret/+/config', 'secret/config', false],
    ['secret/+/*', 'secret/app/a/b', true],
    ['+/issue/+', 'pki/issue/role', true],
    ['+/issue/+', 'pki/issue/role/x', false],
  ];
  it.each(table)('%s vs %s → %s', (pattern, path, want) => expect(matches(pattern, path)).toBe(want));

  it('orders by Vault priority: exact > later wildcard > fewer + > longer', () => {
    expect(comparePriority('a/b', 'a/*')).toBeGreaterThan(0);
    expect(comparePriority('a/+/c', 'a/b/*')).toBeLessThan(0);
    expect(comparePriority('a/b*', 'a/b/c*')).toBeLessThan(0);
    expect(comparePriority('a/+/+', 'a/+/c')).toBeLessThan(0);
  });
});

describe('ACL', () => {
  const acl = new Acl([parsePolicy('default', DEFAULT_POLICY), parsePolicy('tls-policy', TLS)]);
  const table: [string, 'read' | 'update' | 'create' | 'list', boolean][] = [
    ['pki_int/issue/nomad-cluster', 'update', true],
    ['pki_int/issue/nomad-cluster', 'read', false],
    ['pki_int/issue/other', 'update', false],
    ['pki/root/generate/internal', 'update', false],
    ['sys/policy/tls-policy', 'create', false],
    ['auth/token/lookup-self', 'read', true],
    ['auth/token/renew-self', 'update', true],
    ['auth/token/create', 'update', false],
    ['sys/capabilities-self', 'update', true],
  ];
  it.each(table)('%s %s → %s', (path, op, want) => expect(acl.allowed(path, op)).toBe(want));

  it('the most specific rule wins and deny overrides within it', () => {
    const a = new Acl([parsePolicy('p', 'path "kv/*" { capabilities = ["read"] }\npath "kv/secret" { capabilities = ["deny"] }\npath "kv/+/x" { capabilities = ["list"] }')]);
    expect(a.capabilities('kv/other')).toEqual(['read']);
    expect(a.capabilities('kv/secret')).toEqual(['deny']);
    expect(a.capabilities('kv/a/x')).toEqual(['list']); // same first-wildcard position: the non-glob rule wins
  });

  it('root is allowed everything', () => {
    expect(new Acl([{ name: 'root', rules: [] }]).allowed('sys/seal', 'sudo')).toBe(true);
  });
});
