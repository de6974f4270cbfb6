/**
 * Vault-style durations: integers are seconds; strings are Go durations ("87600h", "1h30m",
 * "86400s", "500ms") with Vault's extra "d" (days) unit, or a bare number of seconds ("3600").
 */
const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };

export class DurationError extends Error {
  constructor(value: unknown) {
    super(`invalid duration ${JSON.stringify(value)}: expected seconds or a duration like "24h", "1h30m", "86400s"`);
    this.name = 'DurationError';
  }
}

/** Parse a duration to whole seconds (rounded down). Throws DurationError. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new DurationError(value);
    return Math.floor(value);
  }
  if (typeof value !== 'string') throw new DurationError(value);
  const s = value.trim();
  if (s === '') return 0;
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== s.length || consumed === 0) throw new DurationError(value);
  return Math.floor(total + 1e-9);
}

/** Like parseDuration, but undefined/null/'' give undefined. */
export function optionalDuration(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return parseDuration(value);
}

/** Human form as the vault CLI prints it: 86400 → "24h", 90 → "1m30s", 0 → "0s". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/** Problems with duration arguments (`key: reason`), for a module's validate(); `skip` values pass. */
export function durationProblems<A extends object>(args: A, keys: readonly (keyof A & string)[], skip: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const k of keys) {
    const v: unknown = args[k];
    if (v === undefined || (typeof v === 'string' && skip.includes(v))) continue;
    try {
      parseDuration(v);
    } catch (e) {
      problems.push(`${k}: ${(e as Error).message}`);
    }
  }
  return problems;
}
