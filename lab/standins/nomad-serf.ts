/**
 * Serf-like server membership for the Nomad stand-in, over UDP on the serf port of the lab
 * network. Every packet is sealed with the keyring's primary key (plaintext when there is no
 * keyring) and dropped when no installed key opens it, so encrypted and plaintext servers never
 * see each other (memberlist net.go ingestPacket with GossipVerifyIncoming, Nomad's default).
 * Keyring operations go to every alive member as a query and are answered per node (serf
 * keymanager.go), as Nomad's KeyManager does. Timings are the lab's, not memberlist's.
 */
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { logLine } from './common.js';
import type { Keyring } from './nomad-keyring.js';

export interface Member {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: 'alive' | 'failed';
}

interface Seen extends Omit<Member, 'Status'> {
  lastSeen: number;
}

export interface KeyResponse {
  Messages: Record<string, string>;
  Keys: Record<string, number>;
  NumNodes: number;
  NumResp: number;
  NumErr: number;
}

type Packet =
  | { t: 'alive'; m: Omit<Member, 'Status'>; known: string[] }
  | { t: 'query'; id: string; op: string; key: string }
  | { t: 'resp'; id: string; name: string; keys: string[]; error: string };

const PROBE_MS = 300;
const SUSPECT_MS = 2000;
const QUERY_MS = 1500;

export class Serf {
  private readonly seen = new Map<string, Seen>();
  private readonly targets = new Set<string>();
  private readonly queries = new Map<string, { resps: Map<string, { keys: string[]; error: string }>; want: number; done: () => void }>();
  private readonly sock = dgram.createSocket('udp4');
  private timer: NodeJS.Timeout | undefined;
  private lastDropLog = 0;

  constructor(
    readonly self: Omit<Member, 'Status'>,
    private readonly keyring: Keyring,
    join: string[],
    private readonly bind: string,
  ) {
    for (const j of join) this.targets.add(j.includes(':') ? j : `${j}:${self.Port}`);
  }

  async start(): Promise<void> {
    this.sock.on('message', (msg, rinfo) => this.receive(msg, `${rinfo.address}:${rinfo.port}`));
    this.sock.on('error', (e) => logLine('WARN', 'serf', e.message));
    await new Promise<void>((res, rej) => {
      this.sock.once('error', rej);
      this.sock.bind(this.self.Port, this.bind, () => res());
    });
    this.timer = setInterval(() => this.gossip(), PROBE_MS);
    this.gossip();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.sock.close();
  }

  members(): Member[] {
    const now = Date.now();
    const others = [...this.seen.values()].map(({ lastSeen, ...m }): Member => ({ ...m, Status: now - lastSeen < SUSPECT_MS ? 'alive' : 'failed' }));
    return [{ ...this.self, Status: 'alive' as const }, ...others].sort((a, b) => a.Name.localeCompare(b.Name));
  }

  alive(): Member[] {
    return this.members().filter((m) => m.Status === 'alive');
  }

  private send(p: Packet, to: string): void {
    const i = to.lastIndexOf(':');
    const buf = this.keyring.seal(Buffer.from(JSON.stringify(p)));
    this.sock.send(buf, Number(to.slice(i + 1)), to.slice(0, i), () => undefined);
  }

  private gossip(): void {
    const known = [...this.seen.values()].map((m) => `${m.Addr}:${m.Port}`);
    const to = new Set([...this.targets, ...known]);
    to.delete(`${this.self.Addr}:${this.self.Port}`);
    for (const t of to) this.send({ t: 'alive', m: this.self, known }, t);
  }

  private receive(msg: Buffer, from: string): void {
    const plain = this.keyring.open(msg);
    let p: Packet | undefined;
    try {
      p = plain ? (JSON.parse(plain.toString('utf8')) as Packet) : undefined;
    } catch {
      p = undefined;
    }
    if (!p) {
      if (Date.now() - this.lastDropLog > 10_000) {
        this.lastDropLog = Date.now();
        logLine('ERROR', 'memberlist', `failed to decode packet from ${from}: ${this.keyring.encrypted ? 'No installed keys could decrypt the message' : 'encryption is not configured'}`);
      }
      return;
    }
    if (p.t === 'alive') {
      if (p.m.Name === this.self.Name) return;
      if (!this.seen.has(p.m.Name) || this.seen.get(p.m.Name)!.lastSeen < Date.now() - SUSPECT_MS) logLine('INFO', 'serf', `EventMemberJoin: ${p.m.Name} ${p.m.Addr}`);
      this.seen.set(p.m.Name, { ...p.m, lastSeen: Date.now() });
      for (const k of p.known) if (k !== `${this.self.Addr}:${this.self.Port}`) this.targets.add(k);
    } else if (p.t === 'query') {
      const error = this.keyring.apply(p.op, p.key) ?? '';
      this.send({ t: 'resp', id: p.id, name: this.self.Name, keys: this.keyring.keys, error }, from);
    } else if (p.t === 'resp') {
      const q = this.queries.get(p.id);
      if (!q) return;
      q.resps.set(p.name, { keys: p.keys, error: p.error });
      if (q.resps.size >= q.want) q.done();
    }
  }

  /** A keyring operation on every alive member (this one included), answered per node. */
  async keyQuery(op: string, key: string): Promise<KeyResponse> {
    const id = randomUUID();
    const peers = this.alive().filter((m) => m.Name !== this.self.Name);
    const resps = new Map<string, { keys: string[]; error: string }>();
    // seal with the primary key as it is before this node applies the operation
    const packets = peers.map((m) => `${m.Addr}:${m.Port}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, QUERY_MS);
      this.queries.set(id, { resps, want: peers.length, done: () => (clearTimeout(t), resolve()) });
      for (const to of packets) this.send({ t: 'query', id, op, key }, to);
      if (peers.length === 0) (clearTimeout(t), resolve());
    });
    this.queries.delete(id);
    resps.set(this.self.Name, { error: this.keyring.apply(op, key) ?? '', keys: this.keyring.keys });
    // serf keymanager.go streamKeyResp: NumNodes is memberlist's alive count; silence is not an error
    const out: KeyResponse = { Messages: {}, Keys: {}, NumNodes: peers.length + 1, NumResp: resps.size, NumErr: 0 };
    for (const [name, r] of resps) {
      if (r.error) (out.Messages[name] = r.error), out.NumErr++;
      for (const k of r.keys) out.Keys[k] = (out.Keys[k] ?? 0) + 1;
    }
    return out;
  }
}
