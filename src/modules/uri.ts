/**
 * uri: an HTTP request made from the HOST with curl (client certs, CA, headers, JSON body).
 * GET/HEAD are reads: they run in check() and report ok. Other methods run in apply() and
 * report changed (use changed_when to override).
 */
import { shellQuote } from '../connection/connection.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  url: { type: 'str', required: true },
  method: { type: 'str', default: 'GET' },
  body: { type: 'raw' },
  body_format: { type: 'str', default: 'raw', choices: ['raw', 'json', 'form-urlencoded'] },
  headers: { type: 'dict', default: {} },
  status_code: { type: 'list', elements: 'int', default: [200] },
  return_content: { type: 'bool', default: false },
  client_cert: { type: 'path' },
  client_key: { type: 'path' },
  ca_path: { type: 'path' },
  validate_certs: { type: 'bool', default: true },
  timeout: { type: 'int', default: 30 },
} as const;

export type UriArgs = ArgsOf<typeof ARGS>;

export type UriResponse = Record<string, unknown>;
const MARK = '\n__orchestrate_uri__';

function bodyOf(args: UriArgs): string | undefined {
  if (args.body === undefined) return undefined;
  if (args.body_format === 'json') return typeof args.body === 'string' ? args.body : JSON.stringify(args.body);
  if (args.body_format === 'form-urlencoded' && args.body && typeof args.body === 'object') {
    return new URLSearchParams(Object.entries(args.body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  return String(args.body);
}

export function curlCommand(args: UriArgs, hasBody: boolean): string {
  const q = shellQuote;
  const headers = { ...(args.body_format === 'json' ? { 'Content-Type': 'application/json' } : {}), ...(args.body_format === 'form-urlencoded' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}), ...args.headers };
  const parts = ['curl -sS', `-X ${q(args.method)}`, `--max-time ${args.timeout}`, args.validate_certs ? '' : '-k'];
  if (args.ca_path) parts.push(`--cacert ${q(args.ca_path)}`);
  if (args.client_cert) parts.push(`--cert ${q(args.client_cert)}`);
  if (args.client_key) parts.push(`--key ${q(args.client_key)}`);
  for (const [k, v] of Object.entries(headers)) parts.push(`-H ${q(`${k}: ${String(v)}`)}`);
  if (hasBody) parts.push('--data-binary @-');
  if (args.method === 'HEAD') parts.push('-I');
  parts.push(`-w ${q(`${MARK}%{http_code} %{content_type}`)}`, q(args.url));
  return parts.filter(Boolean).join(' ');
}

async function request(ctx: ModuleContext, args: UriArgs): Promise<UriResponse> {
  const body = bodyOf(args);
  const r = await ctx.connection.exec(curlCommand(args, body !== undefined), body !== undefined ? { stdin: body } : {});
  const at = r.stdout.lastIndexOf(MARK);
  if (r.rc !== 0 || at < 0) throw new ModuleFailure(`uri(${args.url}): request failed: ${r.stderr.trim() || `curl rc ${r.rc}`}`, { url: args.url, status: -1 });
  const content = r.stdout.slice(0, at);
  const [code, ...ct] = r.stdout.slice(at + MARK.length).trim().split(' ');
  const status = Number(code);
  const contentType = ct.join(' ');
  const res: UriResponse = { status, url: args.url, content_type: contentType, msg: `OK (${Buffer.byteLength(content)} bytes)`, content_length: Buffer.byteLength(content) };
  if (args.return_content) res['content'] = content;
  if (/json/i.test(contentType) || (args.return_content && /^\s*[[{]/.test(content))) {
    try {
      res['json'] = JSON.parse(content) as unknown;
    } catch {
      /* not JSON after all */
    }
  }
  if (!args.status_code.includes(status)) {
    throw new ModuleFailure(`uri(${args.url}): status code was ${status} and not [${args.status_code.join(', ')}]`, { ...res, content });
  }
  return res;
}

const isRead = (m: string): boolean => m === 'GET' || m === 'HEAD';

/** The request as sent: the method upper-cased. */
const normalized = (args: UriArgs): UriArgs => ({ ...args, method: args.method.toUpperCase() });

export const uri = defineModule({
  name: 'uri',
  target: 'remote',
  checkMode: 'none',
  args: ARGS,
  validate: (args) => (/^https?:\/\//.test(args.url) ? [] : [`url must start with http:// or https://, got ${JSON.stringify(args.url)}`]),
  check: async (ctx, args): Promise<UriResponse | undefined> => (isRead(args.method.toUpperCase()) ? request(ctx, normalized(args)) : undefined),
  plan(res, args) {
    const req = normalized(args);
    if (res) return { ok: true, reason: `${req.method} returned ${String(res['status'])}`, data: res };
    return { change: req, summary: `${req.method} ${args.url}` };
  },
  apply: (ctx, req) => request(ctx, req),
});
