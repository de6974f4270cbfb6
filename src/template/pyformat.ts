/** Python's `FORMAT % value` for a format with one conversion (`%d`, `%02x`, `%5.2f`, `%s`, ...). */
import { pyStr } from './python.js';

const SPEC = /%([-+ #0]*)(\d+)?(?:\.(\d+))?([diouxXeEfFgGcrs%])/g;

export function pyPercent(format: string, value: unknown): string {
  return format.replace(SPEC, (_m, flags: string, width?: string, prec?: string, conv?: string) => {
    if (conv === '%') return '%';
    let body: string;
    const n = Number(value);
    const sign = (s: string): string => (n >= 0 && flags.includes('+') ? `+${s}` : n >= 0 && flags.includes(' ') ? ` ${s}` : s);
    switch (conv) {
      case 'd':
      case 'i':
      case 'u':
        body = sign(String(Math.trunc(n)));
        break;
      case 'o':
        body = sign((n < 0 ? '-' : '') + (flags.includes('#') ? '0o' : '') + Math.abs(Math.trunc(n)).toString(8));
        break;
      case 'x':
      case 'X': {
        const h = (n < 0 ? '-' : '') + (flags.includes('#') ? '0x' : '') + Math.abs(Math.trunc(n)).toString(16);
        body = sign(conv === 'X' ? h.toUpperCase() : h);
        break;
      }
      case 'e':
      case 'E':
        body = sign(n.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, 'e$10$2'));
        if (conv === 'E') body = body.toUpperCase();
        break;
      case 'f':
      case 'F':
        body = sign(n.toFixed(prec === undefined ? 6 : Number(prec)));
        break;
      case 'g':
      case 'G':
        body = sign(String(Number(n.toPrecision(prec === undefined ? 6 : Math.max(1, Number(prec))))));
        break;
      case 'c':
        body = typeof value === 'number' ? String.fromCodePoint(value) : pyStr(value);
        break;
      default:
        body = pyStr(value);
        if (prec !== undefined) body = body.slice(0, Number(prec));
    }
    const w = width === undefined ? 0 : Number(width);
    if (body.length >= w) return body;
    if (flags.includes('-')) return body.padEnd(w);
    if (flags.includes('0') && !'sc'.includes(conv!)) {
      const m = /^([-+ ]?(?:0[xo])?)(.*)$/i.exec(body)!;
      return m[1]! + m[2]!.padStart(w - m[1]!.length, '0');
    }
    return body.padStart(w);
  });
}
