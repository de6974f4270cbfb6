/**
 * Durations as Vault parses a TypeDurationSecond field: go-secure-stdlib parseutil
 * `ParseDurationSecond` (an integer string is seconds; `<int>d` is days; anything else goes to
 * Go's `time.ParseDuration`), then sdk/framework/field_data.go `parsePrimitive`: whole seconds
 * (truncated), and a negative value is refused. So `1d12h`, `1.5d`, `24 h` and `1.5` (a JSON
 * number with a fraction) are errors, as they are on a real Vault.
 */

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

/** Go's time.unitMap, in nanoseconds. */
const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const quote = (s: string): string => JSON.stringify(s);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits only. */
const GO_INT = /^[+-]?\d+$/;

/** Go's time.ParseDuration, in seconds (fractional). */
export function goParseDuration(orig: string): number {
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new DurationError(`time: invalid duration ${quote(orig)}`);
  let ns = 0;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw new DurationError(`time: invalid duration ${quote(orig)}`);
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const pre = m[1]!;
    const post = m[2];
    if (pre === '' && (post === undefined || post === '')) throw new DurationError(`time: invalid duration ${quote(orig)}`);
    s = s.slice(m[0].length);
    let i = 0;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
    if (i === 0) throw new DurationError(`time: missing unit in duration ${quote(orig)}`);
    const unit = s.slice(0, i);
    s = s.slice(i);
    const scale = UNITS[unit];
    if (scale === undefined) throw new DurationError(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`);
    ns += Number(`${pre || '0'}.${post ?? ''}0`) * scale;
    if (ns > 9223372036854775807) throw new DurationError(`time: invalid duration ${quote(orig)}`);
  }
  return (neg ? -ns : ns) / 1e9;
}

/** parseutil.ParseDurationSecond → whole seconds, as a TypeDurationSecond field reads it. */
export function parseDuration(value: unknown): number {
  let secs: number;
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') {
    // A JSON number reaches parseutil as json.Number, i.e. as its decimal text.
    return parseDuration(String(value));
  }
  if (typeof value !== 'string') throw new DurationError('could not parse duration from input');
  if (GO_INT.test(value)) secs = Number(value);
  else if (value.endsWith('d')) {
    const days = value.slice(0, -1);
    if (!GO_INT.test(days)) throw new DurationError(`strconv.ParseInt: parsing ${quote(days)}: invalid syntax`);
    secs = Number(days) * 86400;
  } else secs = goParseDuration(value);
  const whole = Math.trunc(secs);
  if (whole < 0) throw new DurationError(`cannot provide negative value '${whole}'`);
  return whole === 0 ? 0 : whole;
}

/** undefined/null/'' → undefined, else parseDuration. */
export function optionalDuration(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return parseDuration(value);
}

/** Vault's wording for a field that does not parse (sdk/framework FieldData.Validate). */
export function fieldError(field: string, value: unknown, e: unknown): string {
  const cause = e instanceof Error ? e.message : String(e);
  return `error converting input ${typeof value === 'string' ? value : JSON.stringify(value)} for field ${quote(field)}: ${cause}`;
}
