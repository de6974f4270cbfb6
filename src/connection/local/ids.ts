/** User and group names ↔ ids from /etc/passwd and /etc/group, read once and cached. */
import { readFileSync } from 'node:fs';

interface IdTable {
  byName: Map<string, number>;
  byId: Map<number, string>;
}

function load(file: string): IdTable {
  const t: IdTable = { byName: new Map(), byId: new Map() };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return t;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || line.startsWith('#')) continue;
    const id = Number(f[2]);
    if (!Number.isInteger(id)) continue;
    if (!t.byName.has(f[0]!)) t.byName.set(f[0]!, id);
    if (!t.byId.has(id)) t.byId.set(id, f[0]!);
  }
  return t;
}

export class IdResolver {
  private users: IdTable | undefined;
  private groups: IdTable | undefined;

  constructor(
    private readonly passwdFile = '/etc/passwd',
    private readonly groupFile = '/etc/group',
  ) {}

  private u(): IdTable {
    return (this.users ??= load(this.passwdFile));
  }

  private g(): IdTable {
    return (this.groups ??= load(this.groupFile));
  }

  userName(uid: number): string | undefined {
    return this.u().byId.get(uid);
  }

  groupName(gid: number): string | undefined {
    return this.g().byId.get(gid);
  }

  /** A user name or numeric string → uid; throws for an unknown name. */
  uid(owner: string): number {
    if (/^\d+$/.test(owner)) return Number(owner);
    const id = this.u().byName.get(owner);
    if (id === undefined) throw new Error(`unknown user "${owner}" (not in ${this.passwdFile})`);
    return id;
  }

  gid(group: string): number {
    if (/^\d+$/.test(group)) return Number(group);
    const id = this.g().byName.get(group);
    if (id === undefined) throw new Error(`unknown group "${group}" (not in ${this.groupFile})`);
    return id;
  }

  /** Forget the cache (after useradd/groupadd). */
  reset(): void {
    this.users = undefined;
    this.groups = undefined;
  }
}
