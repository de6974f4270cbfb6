import { describe, expect, it } from 'vitest';
import { formatDuration, optionalDuration, parseDuration } from '../../src/vault/ttl.js';

describe('Vault durations', () => {
  const table: [unknown, number][] = [
    [86400, 86400],
    ['86400', 86400],
    ['86400s', 86400],
    ['24h', 86400],
    ['87600h', 315360000],
    ['43800h', 157680000],
    ['1h30m', 5400],
    ['1d', 86400],
    ['1.5h', 5400],
    ['500ms', 0],
    ['', 0],
  ];
  it.each(table)('%j → %d s', (input, seconds) => expect(parseDuration(input)).toBe(seconds));

  it('rejects garbage with a clear message', () => {
    expect(() => parseDuration('24 hours')).toThrow(/invalid duration "24 hours"/);
    expect(() => parseDuration('h')).toThrow(/invalid duration/);
    expect(() => parseDuration(-1)).toThrow(/invalid duration/);
    expect(() => parseDuration(true)).toThrow(/invalid duration/);
  });

  it('optional and formatting helpers', () => {
    expect(optionalDuration(undefined)).toBeUndefined();
    expect(optionalDuration('2h')).toBe(7200);
    expect(formatDuration(86400)).toBe('24h');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0s');
  });
});
