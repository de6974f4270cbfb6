import { describe, expect, it } from 'vitest';
import { formatDuration, optionalDuration, parseDuration } from '../../src/vault/ttl.js';
import { parseDuration as labParseDuration } from '../../lab/vault/duration.js';

/** Vault's parseutil.ParseDurationSecond + TypeDurationSecond (whole seconds, never negative). */
const ACCEPTED: [unknown, number][] = [
  [86400, 86400],
  ['86400', 86400],
  ['+60', 60],
  ['86400s', 86400],
  ['24h', 86400],
  ['87600h', 315360000],
  ['43800h', 157680000],
  ['1h30m', 5400],
  ['1d', 86400],
  ['+2d', 172800],
  ['30d', 2592000],
  ['1.5h', 5400],
  ['.5m', 30],
  ['1.h', 3600],
  ['500ms', 0],
  ['1500ms', 1],
  ['0', 0],
  ['-0', 0],
  ['', 0],
];
const REFUSED: unknown[] = ['1d12h', '1.5d', '12h1d', '24 hours', ' 24h', '24h ', 'h', '1', '1y', '1w', '.', '1.5', 1.5, -1, '-1h', '-1', '-1d', true];

describe('Vault durations (product and lab, each its own implementation of the same rule)', () => {
  it.each(ACCEPTED)('%j → %d s', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
    expect(labParseDuration(input)).toBe(seconds);
  });

  it.each(REFUSED.filter((x) => x !== '1'))('%j is refused, as Vault refuses it', (input) => {
    expect(() => parseDuration(input)).toThrow(/invalid duration/);
    expect(() => labParseDuration(input)).toThrow();
  });

  it('a bare integer string is seconds', () => {
    expect(parseDuration('1')).toBe(1);
    expect(labParseDuration('1')).toBe(1);
  });

  it('the lab answers with Go time.ParseDuration wording', () => {
    expect(() => labParseDuration('1d12h')).toThrow('time: unknown unit "d" in duration "1d12h"');
    expect(() => labParseDuration('1.5')).toThrow('time: missing unit in duration "1.5"');
    expect(() => labParseDuration('-1h')).toThrow("cannot provide negative value '-3600'");
  });

  it('the product explains the rule', () => {
    expect(() => parseDuration('1d12h')).toThrow('invalid duration "1d12h": Vault reads whole seconds ("3600"), a Go duration ("87600h", "1h30m") or whole days alone ("30d")');
  });

  it('optional and formatting helpers', () => {
    expect(optionalDuration(undefined)).toBeUndefined();
    expect(optionalDuration('2h')).toBe(7200);
    expect(formatDuration(86400)).toBe('24h');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0s');
  });
});
