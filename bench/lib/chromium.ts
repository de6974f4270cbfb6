/**
 * Headless Debian chromium driven over the Chrome DevTools protocol on a pipe
 * (--remote-debugging-pipe: JSON messages ending in NUL on fds 3 and 4), no library needed.
 * Used by the report's browser test and the report benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

type Msg = { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };

export interface PageResult {
  /** Console errors, uncaught exceptions and error log entries (network refusals included). */
  errors: string[];
  value: unknown;
  screenshot: Buffer;
  loadMs: number;
}

export class Chromium {
  private readonly child: ChildProcess;
  private readonly profile = mkdtempSync(path.join(os.tmpdir(), 'orchestrate-chromium-'));
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Msg) => void)[] = [];
  private buf = '';

  constructor(exe = CHROMIUM) {
    if (!exe) throw new Error('chromium is not installed (apt-get install chromium)');
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${this.profile}`, '--remote-debugging-pipe', 'about:blank'];
    this.child = spawn(exe, flags, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    this.child.stderr?.resume();
    const out = this.child.stdio[4] as Readable;
    out.on('data', (d: Buffer) => this.onData(d.toString('utf8')));
    this.child.on('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('chromium exited'));
      this.waiting.clear();
    });
  }

  private onData(s: string): void {
    this.buf += s;
    let i: number;
    while ((i = this.buf.indexOf('\0')) >= 0) {
      const msg = JSON.parse(this.buf.slice(0, i)) as Msg;
      this.buf = this.buf.slice(i + 1);
      if (msg.id !== undefined && this.waiting.has(msg.id)) {
        const w = this.waiting.get(msg.id)!;
        this.waiting.delete(msg.id);
        if (msg.error) w.reject(new Error(msg.error.message));
        else w.resolve(msg.result ?? {});
      } else for (const l of this.listeners) l(msg);
    }
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const p = new Promise<Record<string, unknown>>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    (this.child.stdio[3] as Writable).write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return p;
  }

  /** Opens `url`, waits for the page's load event and `ready` (a JS expression that becomes true), evaluates `expression`. */
  async open(url: string, ready: string, expression: string, viewport = { width: 1400, height: 1000 }): Promise<PageResult> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const errors: string[] = [];
    let loaded!: () => void;
    const load = new Promise<void>((r) => (loaded = r));
    this.listeners.push((m) => {
      if (m.sessionId !== sessionId) return;
      const p = m.params ?? {};
      if (m.method === 'Runtime.consoleAPICalled' && (p['type'] === 'error' || p['type'] === 'assert')) errors.push(`console.${String(p['type'])}: ${JSON.stringify(p['args'])}`);
      if (m.method === 'Runtime.exceptionThrown') errors.push(`exception: ${JSON.stringify((p['exceptionDetails'] as Record<string, unknown>)?.['exception'] ?? p)}`);
      if (m.method === 'Log.entryAdded' && (p['entry'] as { level?: string })?.level === 'error') errors.push(`log: ${JSON.stringify(p['entry'])}`);
      if (m.method === 'Page.loadEventFired') loaded();
    });
    for (const d of ['Runtime.enable', 'Log.enable', 'Page.enable']) await this.send(d, {}, sessionId);
    await this.send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1, mobile: false }, sessionId);
    const t0 = Date.now();
    await this.send('Page.navigate', { url }, sessionId);
    await load;
    const end = Date.now() + 60_000;
    while (!(await this.eval(ready, sessionId))) {
      if (Date.now() > end) throw new Error(`page never became ready (${ready})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const loadMs = Date.now() - t0;
    const value = await this.eval(expression, sessionId);
    const shot = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false }, sessionId)) as { data: string };
    await this.send('Target.closeTarget', { targetId });
    return { errors, value, screenshot: Buffer.from(shot.data, 'base64'), loadMs };
  }

  private async eval(expression: string, sessionId: string): Promise<unknown> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as { result: { value?: unknown }; exceptionDetails?: unknown };
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.send('Browser.close').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
