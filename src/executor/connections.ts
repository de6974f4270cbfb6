/** One connection per host for the whole run; unreachable hosts are remembered and not retried. */
import { ConnectionError, type Connection } from '../connection/connection.js';
import { connectionKey } from './connection-keywords.js';

export type ConnectionOpener = (host: string, vars: Record<string, unknown>) => Connection;

export class ConnectionPool {
  private readonly conns = new Map<string, Connection>();
  private readonly unreachable = new Map<string, string>();
  private local: Connection | undefined;

  constructor(
    private readonly open: ConnectionOpener,
    private readonly openLocal: () => Connection,
  ) {}

  /** The control machine's own connection (delegate_to: localhost, local modules). */
  localConnection(): Connection {
    if (!this.local) this.local = this.openLocal();
    return this.local;
  }

  get(host: string, vars: Record<string, unknown>): Connection {
    const reason = this.unreachable.get(host);
    if (reason) throw new ConnectionError(reason, host);
    if (isLocal(host, vars)) return this.localConnection();
    // the same host as another user or on another port (remote_user, port) is another connection
    const key = connectionKey(host, vars);
    let c = this.conns.get(key);
    if (!c) {
      c = this.open(host, vars);
      this.conns.set(key, c);
    }
    return c;
  }

  markUnreachable(host: string, reason: string): void {
    this.unreachable.set(host, reason);
  }

  async closeAll(): Promise<void> {
    const all = [...this.conns.values(), ...(this.local ? [this.local] : [])];
    this.conns.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }

  get size(): number {
    return this.conns.size;
  }
}

export function isLocal(host: string, vars: Record<string, unknown>): boolean {
  const c = vars['ansible_connection'];
  if (c === 'local' || c === 'ansible.builtin.local') return true;
  if (c !== undefined && c !== 'ssh' && c !== 'smart' && c !== 'paramiko' && c !== 'ansible.builtin.ssh') return false;
  return c === undefined && (host === 'localhost' || host === '127.0.0.1') && vars['ansible_host'] === undefined;
}
