import type { HostStats } from '../executor/events.js';

export function recapLines(stats: Record<string, HostStats>, color = false): string[] {
  const names = Object.keys(stats);
  const width = Math.max(0, ...names.map((n) => n.length)) + 2;
  const c = (code: number, s: string, on: boolean): string => (color && on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return names.map((h) => {
    const s = stats[h]!;
    const bad = s.failed > 0 || s.unreachable > 0;
    const name = c(bad ? 31 : s.changed > 0 ? 33 : 32, h.padEnd(width - 2), true);
    return (
      `${name}  : ` +
      [
        c(32, `ok=${s.ok}`.padEnd(5), s.ok > 0),
        c(33, `changed=${s.changed}`.padEnd(10), s.changed > 0),
        c(31, `unreachable=${s.unreachable}`.padEnd(14), s.unreachable > 0),
        c(31, `failed=${s.failed}`.padEnd(9), s.failed > 0),
        c(36, `skipped=${s.skipped}`.padEnd(10), s.skipped > 0),
        c(35, `rescued=${s.rescued}`.padEnd(10), s.rescued > 0),
        c(35, `ignored=${s.ignored}`, s.ignored > 0),
      ].join(' ')
    );
  });
}
