/**
 * nomad_rpc_probe: does a Nomad server accept a PLAINTEXT RPC connection? Run FROM THE HOST
 * (bash's /dev/tcp, no extra tools): sends the RpcNomad byte (0x01) and a msgpack-rpc
 * Status.Ping request, as Nomad's connection pool does without TLS. `accepted` when an answer
 * comes back, `refused` when the server closes the connection without one (nomad/rpc.go
 * handleConn with tls.rpc and without rpc_upgrade_mode), `no-answer` on timeout. Read-only:
 * always ok; the playbook asserts on `answer`.
 */
import { shellQuote } from '../connection/connection.js';
import { defineModule, ModuleFailure } from './types.js';

export type RpcProbeArgs = { host: string; port: number; timeout: number };
export type RpcAnswer = 'accepted' | 'refused' | 'no-answer' | 'connect-failed';

/** 0x01, then msgpack {"ServiceMethod":"Status.Ping","Seq":0} and an empty body map, in printf octal. */
const PING = '\\001\\202\\255ServiceMethod\\253Status.Ping\\243Seq\\000\\200';
const MARK = '__orchestrate_rpc_probe__';

export function rpcProbeCommand(a: RpcProbeArgs): string {
  const script = [
    `exec 3<>/dev/tcp/${a.host}/${a.port} || { echo "${MARK} connect-failed"; exit 0; }`,
    `printf '${PING}' >&3`,
    `x=$(timeout ${a.timeout} sh -c 'head -c 1 | od -An -tx1' <&3); rc=$?`,
    `if [ "$rc" = 124 ]; then echo "${MARK} no-answer"; elif [ -n "$x" ]; then echo "${MARK} accepted"; else echo "${MARK} refused"; fi`,
  ].join('\n');
  return `bash -c ${shellQuote(script)} 2>&1`;
}

export const nomad_rpc_probe = defineModule({
  name: 'nomad_rpc_probe',
  target: 'remote',
  checkMode: 'full',
  args: {
    host: { type: 'str', default: 'localhost' },
    port: { type: 'int', default: 4647 },
    timeout: { type: 'int', default: 3 },
  },
  validate: (a) => (/^[A-Za-z0-9.:_-]+$/.test(a.host) && a.port > 0 && a.port < 65536 ? [] : [`host must be a host name or address and port 1-65535, got ${a.host}:${a.port}`]),
  check: async (ctx, a) => {
    const r = await ctx.connection.exec(rpcProbeCommand(a));
    const m = new RegExp(`${MARK} (\\S+)`).exec(r.stdout);
    if (!m) throw new ModuleFailure(`nomad_rpc_probe(${a.host}:${a.port}): no result: ${(r.stdout + r.stderr).trim().slice(0, 200) || `rc ${r.rc}`} (bash is needed on the host)`);
    return { answer: m[1] as RpcAnswer };
  },
  plan: (res: { answer: RpcAnswer }, a) => ({ ok: true, reason: `plaintext RPC to ${a.host}:${a.port}: ${res.answer}`, data: { ...res, accepted: res.answer === 'accepted' } }),
});
