/** HTTP plumbing for the lab Vault: request parsing, Vault's response envelope and errors. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST';

export interface ApiRequest {
  method: Method;
  /** Path after /v1/, without leading or trailing slash. */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  token: string | undefined;
  wrapTtl: string | undefined;
}

export interface LeaseInfo {
  id: string;
  duration: number;
  renewable: boolean;
}

export interface AuthInfo {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  num_uses: number;
}

export type Reply =
  | { kind: 'envelope'; data?: Record<string, unknown> | null; auth?: AuthInfo; lease?: LeaseInfo; warnings?: string[]; flat?: boolean }
  | { kind: 'flat'; status?: number; body: Record<string, unknown> }
  | { kind: 'raw'; contentType: string; body: string }
  | { kind: 'empty' };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.join('; '));
  }
}

export const badRequest = (msg: string): ApiError => new ApiError(400, [msg]);
export const permissionDenied = (): ApiError => new ApiError(403, ['permission denied']);
export const notFound = (msg?: string): ApiError => new ApiError(404, msg ? [msg] : []);
export const sealedError = (): ApiError => new ApiError(503, ['Vault is sealed']);

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'LIST']);

export async function readRequest(req: IncomingMessage): Promise<ApiRequest> {
  const url = new URL(req.url ?? '/', 'http://vault');
  if (!url.pathname.startsWith('/v1/')) throw notFound();
  let method = (req.method ?? 'GET').toUpperCase();
  if (!METHODS.has(method)) throw new ApiError(405, [`unsupported method ${method}`]);
  if (method === 'GET' && ['true', '1'].includes(url.searchParams.get('list') ?? '')) method = 'LIST';
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  let body: Record<string, unknown> = {};
  if (text) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw badRequest(`failed to parse JSON input: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('failed to parse JSON input: expected an object');
    body = parsed as Record<string, unknown>;
  }
  const header = (n: string): string | undefined => {
    const v = req.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1];
  return {
    method: method as Method,
    path: decodeURIComponent(url.pathname.slice(4)).replace(/^\/+|\/+$/g, ''),
    query: url.searchParams,
    body,
    token: header('x-vault-token') || bearer || undefined,
    wrapTtl: header('x-vault-wrap-ttl') || undefined,
  };
}

export function envelope(reply: Extract<Reply, { kind: 'envelope' }>): Record<string, unknown> {
  const base: Record<string, unknown> = {
    request_id: randomUUID(),
    lease_id: reply.lease?.id ?? '',
    renewable: reply.lease?.renewable ?? false,
    lease_duration: reply.lease?.duration ?? 0,
    data: reply.data ?? null,
    wrap_info: null,
    warnings: reply.warnings?.length ? reply.warnings : null,
    auth: reply.auth ?? null,
  };
  return reply.flat && reply.data ? { ...reply.data, ...base } : base;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  switch (reply.kind) {
    case 'empty':
      res.writeHead(204, { 'Cache-Control': 'no-store' });
      res.end();
      return;
    case 'raw':
      res.writeHead(200, { 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
      return;
    case 'flat':
      sendJson(res, reply.status ?? 200, reply.body);
      return;
    case 'envelope':
      sendJson(res, 200, envelope(reply));
  }
}

/** Body field helpers: Vault accepts strings for most scalar fields. */
export function str(body: Record<string, unknown>, key: string, dflt = ''): string {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badRequest(`field "${key}" must be a string`);
}

export function bool(body: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = body[key];
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  throw badRequest(`error converting input ${JSON.stringify(v)} for field "${key}": cannot parse as boolean`);
}

export function int(body: Record<string, unknown>, key: string, dflt: number): number {
  const v = body[key];
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw badRequest(`error converting input ${JSON.stringify(v)} for field "${key}": cannot parse as int`);
  return n;
}

/** A list field: JSON array or comma-separated string. */
export function list(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter((x) => x !== '');
  if (typeof v === 'string') return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  throw badRequest(`field "${key}" must be a list or a comma-separated string`);
}
