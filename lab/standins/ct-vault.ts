/** Minimal Vault HTTP client for the consul-template stand-in. Never logs the token. */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isObject } from './common.js';
import type { VaultConfig } from './ct-config.js';

export interface VaultResponse {
  request_id?: string;
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  data?: Record<string, unknown> | null;
  auth?: { client_token?: string; lease_duration?: number; renewable?: boolean } | null;
}

export class VaultError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class VaultClient {
  token: string;
  calls = 0;

  private readonly tls: https.RequestOptions;

  /** dependency/client_set.go CreateVaultClient: with ssl enabled, ca_cert is the only trust (else the system's), verify unless verify = false. */
  constructor(private readonly cfg: VaultConfig) {
    this.token = cfg.token;
    this.tls = {};
    if (!cfg.sslEnabled) return;
    if (cfg.caCert) {
      try {
        this.tls.ca = readFileSync(cfg.caCert);
      } catch (e) {
        throw new Error(`runner: client set: vault configuring TLS failed: Error loading CA File: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (!cfg.sslVerify) this.tls.rejectUnauthorized = false;
    if (cfg.serverName) this.tls.servername = cfg.serverName;
  }

  request(method: string, path: string, body?: Record<string, unknown>, token = this.token): Promise<VaultResponse> {
    this.calls++;
    const url = new URL(`/v1/${path.replace(/^\/+/, '')}`, this.cfg.address);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    if (token) headers['X-Vault-Token'] = token;
    if (payload) headers['Content-Type'] = 'application/json';
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, headers, timeout: 30_000, ...(url.protocol === 'https:' ? this.tls : {}) }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let parsed: unknown = {};
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { errors: [text.slice(0, 200)] };
          }
          if (status >= 400) {
            const errs = isObject(parsed) && Array.isArray(parsed['errors']) ? parsed['errors'].map(String) : [];
            return reject(new VaultError(`Error making API request.\n\nURL: ${method} ${url.href}\nCode: ${status}. Errors:\n\n${errs.map((e) => `* ${e}`).join('\n')}`, status));
          }
          resolve((isObject(parsed) ? parsed : {}) as VaultResponse);
        });
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** `secret "path"` without arguments reads; with `k=v` arguments it writes them (e.g. pki issue). */
  secret(path: string, args: string[]): Promise<VaultResponse> {
    if (args.length === 0) return this.request('GET', path);
    const body: Record<string, unknown> = {};
    for (const a of args) {
      const eq = a.indexOf('=');
      body[a.slice(0, eq)] = a.slice(eq + 1);
    }
    return this.request('PUT', path, body);
  }

  async unwrap(): Promise<void> {
    const r = await this.request('PUT', 'sys/wrapping/unwrap', {}, this.token);
    const t = r.auth?.client_token;
    if (!t) throw new Error('vault.token: unwrap_token is true but the unwrapped response has no auth.client_token');
    this.token = t;
  }

  lookupSelf(): Promise<VaultResponse> {
    return this.request('GET', 'auth/token/lookup-self');
  }

  renewSelf(): Promise<VaultResponse> {
    return this.request('PUT', 'auth/token/renew-self', {});
  }
}
