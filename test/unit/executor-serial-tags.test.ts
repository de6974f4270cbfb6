import { describe, expect, it } from 'vitest';
import { pctToInt, serialBatches } from '../../src/executor/serial.js';
import { shouldRunTags } from '../../src/executor/tags.js';
import { exitCodeFor } from '../../src/executor/runner.js';
import { emptyStats } from '../../src/executor/events.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const sizes = (b: string[][]) => b.map((x) => x.length);

describe('serial batches (as Ansible splits them)', () => {
  it.each([
    [10, [], [10]],
    [10, [3], [3, 3, 3, 1]],
    [16, ['25%'], [4, 4, 4, 4]],
    [13, ['25%'], [3, 3, 3, 3, 1]],
    [10, ['10%', '30%', '100%'], [1, 3, 6]],
    [20, [1, 5, 10], [1, 5, 10, 4]],
    [3, ['10%'], [1, 1, 1]],
    [5, [0], [5]],
    [4, [1, '50%'], [1, 2, 1]],
    [200, [1, 1, 1, '25%'], [1, 1, 1, 50, 50, 50, 47]],
  ])('%i hosts, serial %j → %j', (n, serial, expected) => {
    expect(sizes(serialBatches(hosts(n), serial))).toEqual(expected);
  });

  it('keeps host order across batches', () => {
    expect(serialBatches(hosts(5), [2])).toEqual([['h1', 'h2'], ['h3', 'h4'], ['h5']]);
  });

  it('percentages are of the whole play, with a minimum of one', () => {
    expect(pctToInt('1%', 10)).toBe(1);
    expect(pctToInt('50%', 7)).toBe(3);
    expect(pctToInt('7', 10)).toBe(7);
  });
});

describe('tags (Ansible evaluate_tags)', () => {
  it.each([
    [[], [], [], true],
    [['a'], ['a'], [], true],
    [['a'], ['b'], [], false],
    [['always'], ['b'], [], true],
    [['always'], [], ['always'], false],
    [['never'], [], [], false],
    [['never', 'x'], ['x'], [], true],
    [[], ['untagged'], [], true],
    [['a'], ['untagged'], [], false],
    [['a'], ['tagged'], [], true],
    [[], ['tagged'], [], false],
    [['a'], [], ['a'], false],
    [['a'], [], ['all'], false],
    [['always'], [], ['all'], true],
    [['a', 'b'], ['all'], ['b'], false],
  ])('task %j only %j skip %j → %s', (task, only, skip, run) => {
    expect(shouldRunTags(task, only, skip)).toBe(run);
  });
});

describe('exit codes (as ansible-playbook)', () => {
  const s = (over: Partial<ReturnType<typeof emptyStats>>) => ({ ...emptyStats(), ...over });
  it('0 ok, 3 unreachable (over failed), 2 failed or play stopped, 99 interrupted', () => {
    expect(exitCodeFor({ a: s({ ok: 1 }) }, false, false)).toBe(0);
    expect(exitCodeFor({ a: s({ failed: 1 }), b: s({ unreachable: 1 }) }, false, false)).toBe(3);
    // an unreachable host is exit 3 also when it is what stopped the play (README's rule)
    expect(exitCodeFor({ a: s({ failed: 1 }), b: s({ unreachable: 1 }) }, false, true)).toBe(3);
    expect(exitCodeFor({ a: s({ unreachable: 1 }) }, false, false)).toBe(3);
    expect(exitCodeFor({ a: s({ ok: 1 }) }, false, true)).toBe(2);
    expect(exitCodeFor({ a: s({ failed: 1 }) }, true, false)).toBe(99);
  });
});
