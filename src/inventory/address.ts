/** Host addresses and [x:y:z] host ranges, as Ansible parses them (parsing/utils/addresses.py). */

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const v6c = `(?:[0-9a-f]{1,4}|${hexRange})`;
const v4c = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const label = String.raw`(?:[\p{L}\p{N}_]|${alnumRange})(?:[\p{L}\p{N}_-]|${alnumRange})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
export const IPV4 = new RegExp(`^(?:${v4c}\\.){3}${v4c}$`, 'i');
export const IPV6 = new RegExp(
  '^(?:' +
    [
      `(?:${v6c}:){7}${v6c}`,
      `(?:${v6c}:){1,6}:`,
      `(?:${v6c}:)(?::${v6c}){1,6}`,
      `(?:${v6c}:){2}(?::${v6c}){1,5}`,
      `(?:${v6c}:){3}(?::${v6c}){1,4}`,
      `(?:${v6c}:){4}(?::${v6c}){1,3}`,
      `(?:${v6c}:){5}(?::${v6c}){1,2}`,
      `(?:${v6c}:){6}(?::${v6c})`,
      `:(?::${v6c}){1,6}`,
      `${v6c}?::`,
      `(?:0:){6}(?:${v6c}\\.){3}${v6c}`,
      `::(?:ffff:)?(?:${v6c}\\.){3}${v6c}`,
      `(?:0:){5}ffff:(?:${v6c}\\.){3}${v6c}`,
    ].join('|') +
    ')$',
  'iu',
);
const HOSTNAME = new RegExp(`^${label}(?:\\.${label})*$`, 'iu');

/** Parse "host", "host:port", "[v6]:port"; null when it is not a host identifier. */
export function parseAddress(address: string, allowRanges: boolean): { host: string; port?: number } | null {
  let addr = address;
  let port: number | undefined;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(addr);
    if (m) {
      addr = m[1]!;
      port = Number(m[2]);
    }
  }
  if (!(IPV4.test(addr) || IPV6.test(addr) || HOSTNAME.test(addr))) return null;
  if (!allowRanges && addr.includes('[')) return null;
  return port === undefined ? { host: addr } : { host: addr, port };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Expand the first [a:b(:step)] range of a name, recursively; throws Error with a clear reason. */
export function expandHostRange(name: string): string[] {
  const open = name.indexOf('[');
  if (open < 0) return [name];
  const close = name.indexOf(']', open);
  if (close < 0) throw new Error(`host range in "${name}" has no closing "]"`);
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new Error(`host range must be begin:end or begin:end:step in "${name}"`);
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const step = bounds.length === 3 ? Number(bounds[2]) : 1;
  if (!end) throw new Error(`host range must specify end value in "${name}"`);
  if (!Number.isInteger(step) || step <= 0) throw new Error(`host range step must be a positive integer in "${name}"`);
  const seq = rangeSequence(beg, end, step, name);
  const out: string[] = [];
  for (const item of seq) out.push(...expandHostRange(head + item + tail));
  return out;
}

function rangeSequence(beg: string, end: string, step: number, name: string): string[] {
  let width = 0;
  if (beg[0] === '0' && beg.length > 1) {
    if (beg.length !== end.length) throw new Error(`host range must specify equal-length begin and end formats in "${name}"`);
    width = beg.length;
  }
  const ib = LETTERS.indexOf(beg);
  const ie = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && ib >= 0 && ie >= 0) {
    if (ib > ie) throw new Error(`host range must have begin <= end in "${name}"`);
    const out: string[] = [];
    for (let i = ib; i <= ie; i += step) out.push(LETTERS[i]!);
    return out;
  }
  if (!/^[0-9]+$/.test(beg) || !/^[0-9]+$/.test(end)) throw new Error(`invalid host range [${beg}:${end}] in "${name}"`);
  const out: string[] = [];
  for (let i = Number(beg); i <= Number(end); i += step) out.push(String(i).padStart(width, '0'));
  return out;
}

/** Ansible's inventory host pattern expansion: optional :port, then ranges. */
export function expandHostPattern(pattern: string): { names: string[]; port?: number } {
  const parsed = parseAddress(pattern, true);
  const base = parsed ? parsed.host : pattern;
  const names = base.includes('[') ? expandHostRange(base) : [base];
  return parsed?.port === undefined ? { names } : { names, port: parsed.port };
}
