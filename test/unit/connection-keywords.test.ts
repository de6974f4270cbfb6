/** remote_user / port / connection: below the ansible_* variables, above -u; one pooled connection per user and port. */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import { connectionKey, connectionVars } from '../../src/executor/connection-keywords.js';
import { ConnectionPool } from '../../src/executor/connections.js';

describe('connection keywords', () => {
  it('a keyword applies only where no ansible_* variable is set (as Ansible: variables win)', () => {
    const inh = { remoteUser: 'playuser', port: 2222, connection: 'local' };
    const none = connectionVars(inh, { ansible_host: '10.0.0.1' });
    expect([none['ansible_user'], none['ansible_port'], none['ansible_connection'], none['ansible_host']]).toEqual(['playuser', 2222, 'local', '10.0.0.1']);
    const inv = connectionVars(inh, { ansible_user: 'invuser', ansible_ssh_port: 22, ansible_connection: 'ssh' });
    expect([inv['ansible_user'], inv['ansible_port'], inv['ansible_connection']]).toEqual(['invuser', undefined, 'ssh']);
    const plain = { a: 1 };
    expect(connectionVars({}, plain)).toBe(plain);
  });

  it('templated keywords render with the host variables; a port must be a number', () => {
    const v = connectionVars({ remoteUser: '{{ u }}', port: '{{ p }}' }, { u: 'deploy', p: '2200' });
    expect([v['ansible_user'], v['ansible_port']]).toEqual(['deploy', 2200]);
    expect(() => connectionVars({ port: 'ssh' }, {})).toThrow('port: "ssh" is not a port number');
  });

  it('the pool opens one connection per host, user and port', () => {
    const opened: string[] = [];
    const fake = (host: string): Connection => ({ host, transport: 'ssh' }) as Connection;
    const pool = new ConnectionPool((h, vars) => (opened.push(`${h}:${String(vars['ansible_user'])}`), fake(h)), () => fake('localhost'));
    const a = pool.get('web1', connectionVars({ remoteUser: 'alice' }, {}));
    expect(pool.get('web1', connectionVars({ remoteUser: 'alice' }, {}))).toBe(a);
    expect(pool.get('web1', connectionVars({ remoteUser: 'bob' }, {}))).not.toBe(a);
    pool.get('web1', {});
    expect(opened).toEqual(['web1:alice', 'web1:bob', 'web1:undefined']);
    expect(connectionKey('web1', {})).toBe('web1');
    // connection: local (the keyword) reaches the control machine's connection
    expect(pool.get('web2', connectionVars({ connection: 'local' }, {}))).toBe(pool.localConnection());
  });
});
