/** Counters for benchmarks and tests: what the SSH layer did, per host and in total. */
export interface HostCounters {
  connections: number;
  handshakes: number;
  execChannels: number;
  /** Commands run in the host's persistent shell (its channel counts once in execChannels). */
  shellCommands: number;
  sftpSessions: number;
  sftpOps: number;
  /**
   * Times the host's tasks waited on the network: an SFTP request sent while none of that session
   * is answered yet starts one (requests sent together share it); an exec channel is two (open,
   * then exec); a command in the persistent shell one (the first three: the shell's open and exec); an
   * SFTP session three (open, subsystem, version). Not the handshake.
   */
  roundTrips: number;
}

export class SshStats {
  readonly perHost = new Map<string, HostCounters>();

  private counters(host: string): HostCounters {
    let c = this.perHost.get(host);
    if (!c) {
      c = { connections: 0, handshakes: 0, execChannels: 0, shellCommands: 0, sftpSessions: 0, sftpOps: 0, roundTrips: 0 };
      this.perHost.set(host, c);
    }
    return c;
  }

  inc(host: string, key: keyof HostCounters, by = 1): void {
    this.counters(host)[key] += by;
  }

  get(host: string): HostCounters {
    return { ...this.counters(host) };
  }

  total(): HostCounters {
    const t: HostCounters = { connections: 0, handshakes: 0, execChannels: 0, shellCommands: 0, sftpSessions: 0, sftpOps: 0, roundTrips: 0 };
    for (const c of this.perHost.values()) {
      for (const k of Object.keys(t) as (keyof HostCounters)[]) t[k] += c[k];
    }
    return t;
  }
}
