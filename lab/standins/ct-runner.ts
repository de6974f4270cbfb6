/** The consul-template stand-in's runner: fetch each distinct secret once, render, write, run commands. */
import { readFileSync } from 'node:fs';
import { errorText, logLine } from './common.js';
import type { CtConfig, TemplateConfig } from './ct-config.js';
import { runCommand, writeAtomic } from './ct-files.js';
import { parseTemplate, renderTemplate, type SecretRef, type Template } from './ct-template.js';
import { VaultClient, type VaultResponse } from './ct-vault.js';

interface Loaded {
  cfg: TemplateConfig;
  tpl: Template;
}

const log = (msg: string): void => logLine('INFO', 'runner', msg);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** When to fetch a secret again: at 2/3 of the certificate's (or lease's) remaining lifetime. */
export function reissueDelayMs(r: VaultResponse, now = Date.now()): number | undefined {
  const exp = r.data?.['expiration'];
  const lifetime = typeof exp === 'number' && exp > 0 ? exp * 1000 - now : (r.lease_duration ?? 0) * 1000;
  if (!(lifetime > 0)) return undefined;
  return Math.max(1000, Math.floor((lifetime * 2) / 3));
}

/** The value `with secret` binds: Go's api.Secret fields (`.Data`, `.LeaseID`, ...). */
export function secretDot(r: VaultResponse | undefined): Record<string, unknown> | undefined {
  if (!r) return undefined;
  return { RequestID: r.request_id ?? '', LeaseID: r.lease_id ?? '', LeaseDuration: r.lease_duration ?? 0, Renewable: r.renewable ?? false, Data: r.data ?? {} };
}

export class Runner {
  readonly vault: VaultClient;
  private templates: Loaded[] = [];
  private readonly secrets = new Map<string, VaultResponse>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private tokenTimer: NodeJS.Timeout | undefined;
  private busy: Promise<boolean> = Promise.resolve(true);

  constructor(
    private cfg: CtConfig,
    private readonly once: boolean,
  ) {
    this.vault = new VaultClient(cfg.vault);
    this.templates = this.load(cfg);
  }

  private load(cfg: CtConfig): Loaded[] {
    return cfg.templates.map((t) => {
      const text = t.contents ?? readFileSync(t.source, 'utf8');
      return { cfg: t, tpl: parseTemplate(text, t.source || `${t.where} contents`, { left: t.left, right: t.right }) };
    });
  }

  async start(): Promise<boolean> {
    log(`vault address ${this.cfg.vault.address}, token ${this.vault.token ? 'set' : 'not set'}; ${this.templates.length} template(s)`);
    if (this.cfg.vault.unwrapToken) await this.vault.unwrap();
    if (this.cfg.vault.renewToken && !this.once) void this.renewLoop(true);
    return this.pass(new Set(this.keys()));
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
  }

  /** SIGHUP: re-read the configuration and templates, fetch every secret again, render. */
  reload(next: CtConfig): Promise<boolean> {
    try {
      this.templates = this.load(next);
      this.cfg = next;
    } catch (e) {
      logLine('ERROR', 'runner', `reload: ${errorText(e)}; keeping the previous configuration`);
    }
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    return this.pass(new Set(this.keys()));
  }

  private keys(): string[] {
    return [...new Set(this.templates.flatMap((t) => t.tpl.secrets.map((s) => s.key)))];
  }

  private refs(): Map<string, SecretRef> {
    return new Map(this.templates.flatMap((t) => t.tpl.secrets.map((s) => [s.key, s] as const)));
  }

  /** One render pass; passes are serialised. Resolves true when every template rendered. */
  pass(refetch: Set<string>): Promise<boolean> {
    this.busy = this.busy.then(() => this.doPass(refetch));
    return this.busy;
  }

  private async doPass(refetch: Set<string>): Promise<boolean> {
    const refs = this.refs();
    const need = [...refs.values()].filter((r) => refetch.has(r.key) || !this.secrets.has(r.key));
    const failed = new Set<string>();
    await Promise.all(need.map(async (ref) => (await this.fetch(ref)) || failed.add(ref.key)));
    const commands: Array<{ command: string; timeoutMs: number; what: string }> = [];
    let complete = true;
    for (const t of this.templates) {
      if (t.tpl.secrets.some((s) => !this.secrets.has(s.key))) {
        complete = false;
        continue;
      }
      const text = renderTemplate(t.tpl, (key) => secretDot(this.secrets.get(key)));
      const what = `"${t.cfg.source || '(contents)'}" => "${t.cfg.destination}"`;
      try {
        const r = writeAtomic(t.cfg.destination, text, t.cfg.perms, t.cfg.createDestDirs);
        log(r.changed ? `rendered ${what} (mode ${r.mode.toString(8).padStart(4, '0')})` : `${what} unchanged`);
        if (r.changed && t.cfg.command && !commands.some((c) => c.command === t.cfg.command)) commands.push({ command: t.cfg.command, timeoutMs: t.cfg.commandTimeoutMs, what });
      } catch (e) {
        complete = false;
        logLine('ERROR', 'runner', `rendering ${what}: ${errorText(e)}`);
      }
    }
    for (const c of commands) {
      log(`executing command "${c.command}" from ${c.what}`);
      const code = await runCommand(c.command, c.timeoutMs);
      if (code !== 0) logLine('ERROR', 'runner', `command "${c.command}" exited with code ${code}`);
    }
    if (failed.size && !this.once) setTimeout(() => void this.pass(failed), 5000).unref();
    return complete && failed.size === 0;
  }

  /** Fetches one secret with a few retries; schedules its re-issue. */
  private async fetch(ref: SecretRef): Promise<boolean> {
    const attempts = Number(process.env['LAB_CT_ATTEMPTS'] ?? 4);
    for (let i = 0; i < attempts; i++) {
      try {
        const r = await this.vault.secret(ref.path, ref.args);
        this.secrets.set(ref.key, r);
        log(`${ref.key}: fetched${r.lease_id ? ` lease ${r.lease_id}` : ''}`);
        this.schedule(ref, r);
        return true;
      } catch (e) {
        logLine('ERROR', 'vault', `${ref.key}: ${errorText(e)} (attempt ${i + 1}/${attempts})`);
        if (i + 1 < attempts) await sleep(250 * 2 ** i);
      }
    }
    return false;
  }

  private schedule(ref: SecretRef, r: VaultResponse): void {
    if (this.once) return;
    const delay = reissueDelayMs(r);
    const old = this.timers.get(ref.key);
    if (old) clearTimeout(old);
    if (delay === undefined) return;
    log(`${ref.key}: re-issue in ${Math.round(delay / 1000)}s`);
    this.timers.set(ref.key, setTimeout(() => void this.pass(new Set([ref.key])), delay));
  }

  /** Renews the token at half its TTL, as consul-template does with renew_token = true. */
  private async renewLoop(first: boolean): Promise<void> {
    let ttl = 0;
    try {
      if (first) {
        const r = await this.vault.lookupSelf();
        const d = r.data ?? {};
        ttl = d['renewable'] === true && typeof d['ttl'] === 'number' ? d['ttl'] : 0;
        if (!ttl) return log('token is not renewable or has no TTL; not renewing');
      } else {
        const r = await this.vault.renewSelf();
        ttl = r.auth?.lease_duration ?? 0;
        logLine('INFO', 'vault', `token renewed, ttl ${ttl}s`);
        if (!ttl) return;
      }
    } catch (e) {
      logLine('ERROR', 'vault', `token ${first ? 'lookup' : 'renewal'}: ${errorText(e)}; retrying in 10s`);
      this.tokenTimer = setTimeout(() => void this.renewLoop(first), 10_000);
      return;
    }
    this.tokenTimer = setTimeout(() => void this.renewLoop(false), Math.max(500, (ttl * 1000) / 2));
  }
}
