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

/**
 * When to fetch a secret again: dependency/vault_common.go leaseCheckWait. The base is the lease
 * (a certificate without a lease: its expiration minus now; nothing: default_lease_duration).
 * Renewable: a third of it, staggered by (rand+1)/2. Otherwise lease_renewal_threshold ± 0.05
 * (0.90 by default; clamped back to the threshold when the stagger leaves (0, 1)).
 */
export function leaseCheckWaitMs(r: VaultResponse, opts: { defaultLeaseMs: number; threshold: number }, now = Date.now(), rand = Math.random): number {
  let baseS = r.auth?.lease_duration && r.auth.lease_duration > 0 ? r.auth.lease_duration : (r.lease_duration ?? 0);
  const exp = r.data?.['expiration'];
  if (r.data && 'certificate' in r.data && !r.lease_id && typeof exp === 'number') baseS = Math.trunc(exp - Math.floor(now / 1000));
  const base = baseS > 0 ? baseS * 1000 : opts.defaultLeaseMs;
  if (r.renewable === true) return Math.floor(((base / 3) * (rand() + 1)) / 2);
  let fraction = opts.threshold + (rand() - 0.5) * 0.1;
  if (fraction >= 1 || fraction <= 0) fraction = opts.threshold;
  return Math.floor(base * fraction);
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
  private stopped = false;

  constructor(
    private readonly cfg: CtConfig,
    private readonly once: boolean,
  ) {
    this.vault = new VaultClient(cfg.vault);
    this.templates = this.load(cfg);
  }

  private load(cfg: CtConfig): Loaded[] {
    return cfg.templates.map((t) => {
      // template/template.go NewTemplate
      if (t.source && t.contents !== undefined) throw new Error("template: cannot specify both 'source' and 'contents'");
      if (!t.source && t.contents === undefined) throw new Error("template: must specify exactly one of 'source' or 'contents'");
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
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
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
      if (this.stopped) return false;
      if (t.tpl.secrets.some((s) => !this.secrets.has(s.key))) {
        complete = false;
        continue;
      }
      const text = renderTemplate(t.tpl, (key) => secretDot(this.secrets.get(key)));
      const what = `"${t.cfg.contents !== undefined ? '(dynamic)' : t.cfg.source}" => "${t.cfg.destination}"`; // TemplateConfig.Display
      try {
        const r = writeAtomic(t.cfg.destination, text, t.cfg.perms, t.cfg.createDestDirs, t.cfg.user, t.cfg.group);
        log(r.changed ? `rendered ${what} (mode ${r.mode.toString(8).padStart(4, '0')})` : `${what} unchanged`);
        if (r.changed && t.cfg.command && !commands.some((c) => c.command === t.cfg.command)) commands.push({ command: t.cfg.command, timeoutMs: t.cfg.commandTimeoutMs, what });
      } catch (e) {
        // manager/runner.go Run: a render error ends the run (and consul-template, exit 13)
        this.stop();
        throw new Error(`error rendering ${what}: ${errorText(e)}`);
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
    const delay = Math.max(0, leaseCheckWaitMs(r, { defaultLeaseMs: this.cfg.vault.defaultLeaseMs, threshold: this.cfg.vault.leaseRenewalThreshold }));
    const old = this.timers.get(ref.key);
    if (old) clearTimeout(old);
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
