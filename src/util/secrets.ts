/**
 * Secret registry: every value that is a secret (Vault tokens, unseal keys, private keys,
 * gossip keys, no_log results) is registered here, and every output path (UI, --json, diffs,
 * errors, logs) passes text through `mask`.
 */
export const MASK = '********';

export class Secrets {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: unknown): void {
    if (typeof value !== 'string') return;
    const v = value.trim();
    if (v.length < 6) return; // too short to mask safely without destroying output
    if (this.values.has(v)) return;
    this.values.add(v);
    // Multi-line secrets (PEM keys) are also masked line by line, so a partial print is masked.
    if (v.includes('\n')) {
      for (const line of v.split('\n')) if (line.trim().length >= 16 && !line.startsWith('-----')) this.values.add(line.trim());
    }
    this.pattern = undefined;
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    if (!this.pattern) {
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }

  /** Deep-mask any JSON-like value. */
  maskValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    return maskDeep(value, (s) => this.mask(s)) as T;
  }
}

function maskDeep(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, f));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = maskDeep(x, f);
    return out;
  }
  return v;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
