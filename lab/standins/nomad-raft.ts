/**
 * Raft peers and leader for the Nomad stand-in (a model, not an implementation of Raft):
 * the peer set is persisted in <data_dir>/server/raft/peers.json and grows with every alive
 * server Serf member of the region (nomad/leader.go reconcileMember adds Serf members as Raft
 * voters); bootstrap waits for bootstrap_expect servers (nomad/serf.go maybeBootstrap). Raft
 * runs over the RPC port, not Serf, so a peer counts as reachable when its RPC port accepts a
 * TCP connection; there is a leader while a majority of the peer set is reachable, and every
 * server names the same one (the lowest address among the reachable).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { logLine } from './common.js';

const CHECK_MS = 500;
const REACH_MS = 2000;

export class Raft {
  peers: string[] = [];
  private readonly file: string;
  private readonly reach = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastLeader = '';

  constructor(dataDir: string, readonly self: string, private readonly expect: number) {
    this.file = join(dataDir, 'server/raft/peers.json');
    if (existsSync(this.file)) this.peers = JSON.parse(readFileSync(this.file, 'utf8')) as string[];
  }

  start(): void {
    this.add([this.self]);
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.check();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Adds servers seen alive in Serf (only before bootstrap, or when a majority already agrees: the leader adds them). */
  add(addrs: string[]): void {
    const fresh = addrs.filter((a) => !this.peers.includes(a));
    if (fresh.length === 0) return;
    if (this.bootstrapped() && !this.leader()) return;
    this.peers = [...this.peers, ...fresh].sort();
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.peers));
    renameSync(`${this.file}.tmp`, this.file);
  }

  bootstrapped(): boolean {
    return this.expect > 0 && this.peers.length >= this.expect;
  }

  private check(): void {
    for (const p of this.peers) {
      if (p === this.self) continue;
      const i = p.lastIndexOf(':');
      const s = net.connect(Number(p.slice(i + 1)), p.slice(0, i));
      s.setTimeout(CHECK_MS);
      s.on('connect', () => (this.reach.set(p, Date.now()), s.destroy()));
      s.on('error', () => s.destroy());
      s.on('timeout', () => s.destroy());
    }
    const l = this.leader();
    if (l !== this.lastLeader) logLine(l ? 'INFO' : 'WARN', 'raft', l ? `cluster leadership acquired by ${l}` : 'no leader: not enough reachable peers');
    this.lastLeader = l;
  }

  reachable(): string[] {
    const now = Date.now();
    return this.peers.filter((p) => p === this.self || now - (this.reach.get(p) ?? 0) < REACH_MS);
  }

  /** The leader's RPC address, or "" (no leader). */
  leader(): string {
    if (!this.bootstrapped()) return '';
    const r = this.reachable();
    return r.length * 2 > this.peers.length ? [...r].sort()[0] ?? '' : '';
  }
}
