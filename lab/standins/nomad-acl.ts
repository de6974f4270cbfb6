/**
 * ACLs for the Nomad stand-in (`acl { enabled = true }`): one management token made by
 * PUT /v1/acl/bootstrap (nomad/acl_endpoint.go Bootstrap: optional BootstrapSecret, a second
 * bootstrap is a 400 "ACL bootstrap already done"), the token read from X-Nomad-Token
 * (command/agent/http.go parseToken), anonymous and unknown tokens refused with 403
 * (structs.ErrPermissionDenied, "ACL token not found"). The state lives in the agent's data dir;
 * it is not replicated between agents (the lab bootstraps each agent with the same secret).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Token {
  AccessorID: string;
  SecretID: string;
  Name: string;
  Type: 'management';
  Global: boolean;
  CreateIndex: number;
}

export type AclVerdict = { ok: true } | { ok: false; code: number; message: string };

export class Acl {
  private readonly file: string;
  private token: Token | undefined;

  constructor(readonly enabled: boolean, dataDir: string) {
    this.file = join(dataDir, 'lab-acl/bootstrap.json');
    if (enabled && existsSync(this.file)) this.token = JSON.parse(readFileSync(this.file, 'utf8')) as Token;
  }

  /** What a request with this X-Nomad-Token header may do: here, everything with the management token. */
  check(header: string | undefined): AclVerdict {
    if (!this.enabled) return { ok: true };
    const secret = (header ?? '').trim();
    if (secret === '') return { ok: false, code: 403, message: 'Permission denied' };
    if (!this.token || secret !== this.token.SecretID) return { ok: false, code: 403, message: 'ACL token not found' };
    return { ok: true };
  }

  bootstrap(body: string): { code: number; body: unknown } {
    if (!this.enabled) return { code: 400, body: 'ACL support disabled' };
    if (this.token) return { code: 400, body: 'ACL bootstrap already done (reset index: 0)' };
    let secret = '';
    if (body.trim()) {
      try {
        const parsed = JSON.parse(body) as { BootstrapSecret?: unknown };
        secret = typeof parsed.BootstrapSecret === 'string' ? parsed.BootstrapSecret : '';
      } catch {
        return { code: 400, body: 'Request decoding failed: invalid JSON' };
      }
    }
    if (secret && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(secret)) {
      return { code: 400, body: 'invalid acl token' };
    }
    this.token = { AccessorID: randomUUID(), SecretID: secret || randomUUID(), Name: 'Bootstrap Token', Type: 'management', Global: true, CreateIndex: 1 };
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.token), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
    return { code: 200, body: this.token };
  }
}
