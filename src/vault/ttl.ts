/**
 * Durations as Vault reads them (go-secure-stdlib parseutil.ParseDurationSecond, then whole
 * seconds, never negative): an integer is seconds ("3600", 3600); "<integer>d" is days, alone
 * ("30d"; not "1d12h" nor "1.5d"); anything else is a Go duration ("87600h", "1h30m", "1.5h",
 * "500ms") with units ns, us, µs, ms, s, m, h. What Vault would refuse is refused here, before
 * any request is sent.
 */
const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const GO_INT = /^[+-]?\d+$/;
/** Go's time.ParseDuration grammar: [-+]? then one or more <number><unit>, or "0". */
const GO_DURATION = /^[+-]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

export class DurationError extends Error {
  constructor(value: unknown) {
    super(`invalid duration ${JSON.stringify(value)}: Vault reads whole seconds ("3600"), a Go duration ("87600h", "1h30m") or whole days alone ("30d")`);
    this.name = 'DurationError';
  }
}

/** Parse a duration to whole seconds (truncated) as Vault does. Throws DurationError. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') {
    // Sent as a JSON number, Vault reads its text: a fraction has no unit and is refused.
    if (!Number.isSafeInteger(value) || value < 0) throw new DurationError(value);
    return value;
  }
  if (typeof value !== 'string') throw new DurationError(value);
  if (value === '') return 0;
  let seconds: number;
  if (GO_INT.test(value)) seconds = Number(value);
  else if (value.endsWith('d')) {
    if (!GO_INT.test(value.slice(0, -1))) throw new DurationError(value);
    seconds = Number(value.slice(0, -1)) * 86400;
  } else {
    if (!GO_DURATION.test(value)) throw new DurationError(value);
    const sign = value.startsWith('-') ? -1 : 1;
    seconds = 0;
    for (const m of value.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) seconds += Number(m[1]) * UNITS[m[2]!]!;
    seconds *= sign;
  }
  const whole = Math.trunc(seconds + (seconds >= 0 ? 1e-9 : -1e-9));
  if (whole < 0) throw new DurationError(value);
  return whole === 0 ? 0 : whole;
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
