/** User and group names ⇄ ids on the remote host, from /etc/passwd and /etc/group read once. */
export interface IdTables {
  users: Map<string, number>;
  uids: Map<number, string>;
  groups: Map<string, number>;
  gids: Map<number, string>;
}

export function parseIdFile(text: string): { byName: Map<string, number>; byId: Map<number, string> } {
  const byName = new Map<string, number>();
  const byId = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || line.startsWith('#')) continue;
    const id = Number(f[2]);
    if (!Number.isInteger(id)) continue;
    if (!byName.has(f[0]!)) byName.set(f[0]!, id);
    if (!byId.has(id)) byId.set(id, f[0]!);
  }
  return { byName, byId };
}

export class IdMap {
  private tables: Promise<IdTables> | undefined;

  constructor(
    private readonly read: (path: string) => Promise<Buffer>,
    private readonly host: string,
  ) {}

  load(): Promise<IdTables> {
    this.tables ??= Promise.all([
      this.read('/etc/passwd').catch(() => Buffer.alloc(0)),
      this.read('/etc/group').catch(() => Buffer.alloc(0)),
    ]).then(([p, g]) => {
      const u = parseIdFile(p.toString('utf8'));
      const gr = parseIdFile(g.toString('utf8'));
      return { users: u.byName, uids: u.byId, groups: gr.byName, gids: gr.byId };
    });
    return this.tables;
  }

  async userName(uid: number): Promise<string | undefined> {
    return (await this.load()).uids.get(uid);
  }

  async groupName(gid: number): Promise<string | undefined> {
    return (await this.load()).gids.get(gid);
  }

  /** Names or numeric strings → ids. Unknown names are errors naming the host. */
  async resolve(owner?: string, group?: string): Promise<{ uid?: number; gid?: number }> {
    const t = await this.load();
    const out: { uid?: number; gid?: number } = {};
    if (owner !== undefined) out.uid = this.lookup(owner, t.users, 'user');
    if (group !== undefined) out.gid = this.lookup(group, t.groups, 'group');
    return out;
  }

  private lookup(name: string, table: Map<string, number>, what: string): number {
    if (/^\d+$/.test(name)) return Number(name);
    const id = table.get(name);
    if (id === undefined) throw new Error(`chown: unknown ${what} "${name}" on ${this.host} (not in /etc/${what === 'user' ? 'passwd' : 'group'})`);
    return id;
  }
}
