/**
 * nomad_api: one request to a Nomad agent's HTTP API, made FROM THE HOST with curl. The ACL
 * token (X-Nomad-Token) and the body travel in a curl config on stdin, never on a command line;
 * the token is a secret (masked everywhere). GET is a read (ok, runs in check mode); PUT/POST
 * are changes. `status_code` lists the accepted statuses.
 */
import { shellQuote } from '../connection/connection.js';
import type { ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

export type NomadApiArgs = {
  path: string;
  method: 'GET' | 'PUT' | 'POST';
  body?: unknown;
  addr: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  status_code: number[];
  timeout: number;
};

export interface NomadResponse extends Record<string, unknown> {
  status: number;
  json?: unknown;
  content: string;
}

const MARK = '\n__orchestrate_nomad_api__';

/** A curl config string: double quotes with backslash escapes (curl's config file syntax). */
function cfgString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** The command (no secrets in it) and the curl config for stdin. */
export function nomadCurl(a: NomadApiArgs): { command: string; config: string } {
  const q = shellQuote;
  const parts = ['curl -sS -K -', `-X ${a.method}`, `--max-time ${a.timeout}`];
  if (a.ca) parts.push(`--cacert ${q(a.ca)}`);
  if (a.cert) parts.push(`--cert ${q(a.cert)}`);
  if (a.key) parts.push(`--key ${q(a.key)}`);
  parts.push(`-w ${q(`${MARK}%{http_code}`)}`, q(new URL(a.path, a.addr).href));
  const lines: string[] = [];
  if (a.token) lines.push(`header = ${cfgString(`X-Nomad-Token: ${a.token}`)}`);
  if (a.body !== undefined) {
    lines.push(`header = "Content-Type: application/json"`);
    lines.push(`data-binary = ${cfgString(typeof a.body === 'string' ? a.body : JSON.stringify(a.body))}`);
  }
  return { command: parts.join(' '), config: lines.join('\n') + '\n' };
}

export async function nomadRequest(ctx: ModuleContext, a: NomadApiArgs, label = `nomad_api(${a.method} ${a.path})`): Promise<NomadResponse> {
  if (a.token) ctx.secrets.add(a.token);
  const { command, config } = nomadCurl(a);
  const r = await ctx.connection.exec(command, { stdin: config });
  const at = r.stdout.lastIndexOf(MARK);
  if (r.rc !== 0 || at < 0) throw new ModuleFailure(`${label}: request failed: ${ctx.secrets.mask(r.stderr.trim()) || `curl rc ${r.rc}`}`, { status: -1 });
  const content = r.stdout.slice(0, at);
  const status = Number(r.stdout.slice(at + MARK.length).trim());
  let json: unknown;
  try {
    json = JSON.parse(content) as unknown;
  } catch {
    json = undefined;
  }
  const res: NomadResponse = { status, content, ...(json === undefined ? {} : { json }) };
  if (!a.status_code.includes(status)) {
    throw new ModuleFailure(`${label}: status ${status} (${content.trim().slice(0, 200) || 'no body'})${status === 403 ? '; ACLs are on: set nomad_token' : ''}`, res);
  }
  return res;
}

export const nomadConnArgs = {
  addr: { type: 'str', default: 'https://localhost:4646' },
  ca: { type: 'path', aliases: ['ca_path'] },
  cert: { type: 'path', aliases: ['client_cert'] },
  key: { type: 'path', aliases: ['client_key'] },
  token: { type: 'str', secret: true },
  timeout: { type: 'int', default: 10 },
} as const;

const isRead = (m: string): boolean => m === 'GET';

/** The request a module's arguments describe (method narrowed to what the schema allows). */
function requestOf(args: Omit<NomadApiArgs, 'method'> & { method: string }): NomadApiArgs {
  return { ...args, method: args.method as NomadApiArgs['method'] };
}

export const nomad_api = defineModule({
  name: 'nomad_api',
  target: 'remote',
  checkMode: 'full',
  args: {
    path: { type: 'str', required: true },
    method: { type: 'str', default: 'GET', choices: ['GET', 'PUT', 'POST'] },
    body: { type: 'raw' },
    status_code: { type: 'list', elements: 'int', default: [200] },
    ...nomadConnArgs,
  },
  validate: (args) => [
    ...(args.path.startsWith('/v1/') ? [] : [`path must start with /v1/, got ${JSON.stringify(args.path)}`]),
    ...(/^https?:\/\//.test(args.addr) ? [] : [`addr must start with http:// or https://, got ${JSON.stringify(args.addr)}`]),
    ...((args.cert === undefined) !== (args.key === undefined) ? ['cert and key must be given together'] : []),
  ],
  // a read is made here (and in check mode); a write is the change
  check: async (ctx, args): Promise<NomadResponse | undefined> => (isRead(args.method) ? nomadRequest(ctx, requestOf(args)) : undefined),
  plan(res, args) {
    if (res) return { ok: true, reason: `GET ${args.path} returned ${res.status}`, data: res };
    return { change: requestOf(args), summary: `${args.method} ${args.path}` };
  },
  apply: (ctx, request: NomadApiArgs) => nomadRequest(ctx, request),
});
