/**
 * The Nomad stand-in's RPC port, as nomad/rpc.go handleConn sees a connection: the first byte
 * is the RPC type (helper/pool RpcNomad 0x01, RpcTLS 0x04 followed by a TLS handshake and then
 * the inner type). With tls.rpc and without rpc_upgrade_mode anything but RpcTLS is closed
 * ("non-TLS connection attempted with RequireTLS set"); an unknown byte is closed. After
 * RpcNomad the stand-in answers a msgpack-rpc request (e.g. Status.Ping) with an empty success
 * response without decoding it, and the lab's `PING` line with `PONG name region mode role`.
 */
import net from 'node:net';
import { logLine } from './common.js';

export const RPC_NOMAD = 0x01;
export const RPC_TLS = 0x04;

export interface RpcSettings {
  tls: boolean;
  upgradeMode: boolean;
  /** The lab's PING answer for a session in this mode. */
  pong(mode: string): string;
  /** Wraps a socket in server-side TLS with client verification; resolves the verified socket or undefined. */
  wrapTls(socket: net.Socket): Promise<net.Socket | undefined>;
}

/** msgpack of {Error:"", Seq:0, ServiceMethod:"Status.Ping"} then an empty body map. */
const PING_RESPONSE = Buffer.concat([
  Buffer.from([0x83, 0xa5]), Buffer.from('Error'), Buffer.from([0xa0, 0xa3]), Buffer.from('Seq'), Buffer.from([0x00, 0xad]),
  Buffer.from('ServiceMethod'), Buffer.from([0xab]), Buffer.from('Status.Ping'), Buffer.from([0x80]),
]);

/** Reads exactly one byte (the RPC type) and pauses the socket with the rest unread. */
export function firstByte(socket: net.Socket): Promise<number | undefined> {
  return new Promise((resolve) => {
    socket.on('error', () => socket.destroy());
    socket.once('close', () => resolve(undefined));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (chunk.length > 1) socket.unshift(chunk.subarray(1));
      resolve(chunk[0]);
    });
  });
}

export async function handleRpc(socket: net.Socket, s: RpcSettings): Promise<void> {
  const peer = socket.remoteAddress ?? '?';
  const type = await firstByte(socket);
  if (type === undefined) return;
  if (s.tls && !s.upgradeMode && type !== RPC_TLS) {
    logLine('WARN', 'nomad.rpc', `non-TLS connection attempted with RequireTLS set: remote_addr=${peer}`);
    return void socket.destroy();
  }
  if (type === RPC_TLS) {
    if (!s.tls) {
      logLine('WARN', 'nomad.rpc', `TLS connection attempted, server not configured for TLS: remote_addr=${peer}`);
      return void socket.destroy();
    }
    const t = await s.wrapTls(socket);
    if (!t) return;
    const inner = await firstByte(t);
    if (inner === RPC_NOMAD) return session(t, s.pong('tls'));
    logLine('ERROR', 'nomad.rpc', `unrecognized RPC byte: byte=${String(inner)}`);
    return void t.destroy();
  }
  if (type === RPC_NOMAD) return session(socket, s.pong('plaintext'));
  logLine('ERROR', 'nomad.rpc', `unrecognized RPC byte: byte=${type}`);
  socket.destroy();
}

function session(s: net.Socket, pong: string): void {
  let buf = Buffer.alloc(0);
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if ((buf[0] ?? 0) >= 0x80 && (buf[0] ?? 0) <= 0x8f) {
      buf = Buffer.alloc(0);
      return void s.write(PING_RESPONSE);
    }
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      const line = buf.subarray(0, nl).toString('utf8').trim();
      buf = buf.subarray(nl + 1);
      if (line === 'PING') s.write(`${pong}\n`);
      else if (line === 'QUIT') s.end();
      else s.write(`ERR unknown command ${JSON.stringify(line.slice(0, 40))}\n`);
    }
  });
  s.resume();
}
