import { describe, expect, it } from 'vitest';
import { formatProblems, validateArgs } from '../../src/modules/args.js';
import { applySymbolic, parseModeArg } from '../../src/modules/lib/mode.js';
import { parseKv, splitArgv } from '../../src/modules/lib/kv.js';
import type { ArgSchema } from '../../src/modules/types.js';

const fileLike = {
  name: 'file',
  args: {
    path: { type: 'path', required: true, aliases: ['dest', 'name'] },
    state: { type: 'str', choices: ['file', 'directory', 'absent'] },
    mode: { type: 'mode' },
    force: { type: 'bool', default: false },
    count: { type: 'int' },
    items: { type: 'list', elements: 'int' },
    token: { type: 'str', secret: true, choices: ['a', 'b'] },
  } satisfies ArgSchema,
};
const cmdLike = {
  name: 'command',
  freeForm: 'cmd',
  args: { cmd: { type: 'str' }, creates: { type: 'path' }, chdir: { type: 'path' } } satisfies ArgSchema,
};

describe('validateArgs', () => {
  it.each([
    ['yes', true], ['no', false], ['True', true], ['off', false], [1, true], [false, false],
  ])('coerces bool %s', (v, want) => {
    const r = validateArgs(fileLike, { path: '/x', force: v });
    expect(r.problems).toEqual([]);
    expect(r.args['force']).toBe(want);
  });

  it.each([
    ['0644', 0o644], ['644', 0o644], [420, 0o644], [644, 644], ['0700', 0o700], ['u=rw,g=r,o=r', 'u=rw,g=r,o=r'], ['preserve', 'preserve'],
  ])('mode %s like Ansible', (v, want) => {
    const r = validateArgs(fileLike, { path: '/x', mode: v });
    expect(r.problems).toEqual([]);
    expect(r.args['mode']).toBe(want);
  });

  it('rejects a bad mode, unknown keys with did-you-mean, bad choices, missing required', () => {
    const r = validateArgs(fileLike, { forse: true, state: 'directry', mode: 'rwx' });
    const msgs = r.problems.map((p) => p.message);
    expect(msgs).toContain('unsupported parameter "forse" for file (did you mean "force"?)');
    expect(msgs.some((m) => m.startsWith('state must be one of: file, directory, absent, got "directry"'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('mode: invalid mode "rwx"'))).toBe(true);
    expect(msgs).toContain('missing required argument: path');
  });

  it('maps aliases, rejects alias + name together', () => {
    expect(validateArgs(fileLike, { dest: '/a' }).args['path']).toBe('/a');
    expect(validateArgs(fileLike, { dest: '/a', name: '/b' }).problems[0]?.message).toMatch(/aliases of each other/);
  });

  it('never echoes a secret value', () => {
    const r = validateArgs(fileLike, { path: '/x', token: 'hunter2-secret' });
    expect(r.problems).toHaveLength(1);
    expect(JSON.stringify(r.problems)).not.toContain('hunter2');
  });

  it('coerces int and list elements', () => {
    const r = validateArgs(fileLike, { path: '/x', count: '42', items: '1, 2,3' });
    expect(r.args['count']).toBe(42);
    expect(r.args['items']).toEqual([1, 2, 3]);
    expect(validateArgs(fileLike, { path: '/x', count: 'many' }).problems[0]?.message).toBe('count: expected an integer (got string "many")');
  });

  it('accepts templated values at load time, checks them after rendering', () => {
    expect(validateArgs(fileLike, { path: '/x', mode: '{{ m }}', state: '{{ s }}' }, { templated: false }).problems).toEqual([]);
    expect(validateArgs(fileLike, { path: '/x', state: '{{ s }}' }).problems).toHaveLength(1);
  });

  it('parses k=v strings for any module', () => {
    const r = validateArgs(fileLike, 'path=/etc/x mode=0600 state=file');
    expect(r.args).toMatchObject({ path: '/etc/x', mode: 0o600, state: 'file' });
    expect(validateArgs(fileLike, 'path=/x oops').problems[0]?.message).toBe('expected key=value, got "oops"');
  });

  it('free form keeps the command and takes its own k=v tail', () => {
    const r = validateArgs(cmdLike, 'echo "a b" x=1 creates=/tmp/x chdir=/srv');
    expect(r.problems).toEqual([]);
    expect(r.args).toEqual({ cmd: 'echo "a b" x=1', creates: '/tmp/x', chdir: '/srv' });
    expect(validateArgs(cmdLike, { _raw_params: 'ls -l' }).args['cmd']).toBe('ls -l');
    expect(validateArgs(cmdLike, 'echo "oops').problems[0]?.message).toMatch(/unbalanced/);
  });

  it('free form keeps the newlines of a multi-line script (heredocs work), as Ansible does', () => {
    const script = "set -e\ncat > /tmp/x <<'EOF'\nhello  world\nEOF\n  echo   after creates=/tmp/y\n";
    const r = validateArgs(cmdLike, script);
    expect(r.args).toEqual({ cmd: "set -e\ncat > /tmp/x <<'EOF'\nhello world\nEOF\necho after", creates: '/tmp/y' });
  });

  it('null args mean none given', () => {
    expect(validateArgs(cmdLike, null)).toEqual({ args: {}, problems: [] });
  });
});

describe('modes and k=v', () => {
  it.each([
    ['u=rw,g=r,o=r', 0o777, false, 0o644],
    ['u+x', 0o644, false, 0o744],
    ['a-w', 0o666, false, 0o444],
    ['go=', 0o755, true, 0o700],
    ['a+X', 0o644, true, 0o755],
    ['a+X', 0o644, false, 0o644],
    ['g=u', 0o740, false, 0o770],
  ])('%s on %o (dir %s) → %o', (spec, cur, dir, want) => {
    expect(applySymbolic(spec, cur, dir)).toBe(want);
  });

  it('rejects out-of-range modes', () => {
    expect(() => parseModeArg('99999')).toThrow();
    expect(() => parseModeArg(-1)).toThrow();
  });

  it('splits like a shell', () => {
    expect(splitArgv(`echo 'a b' "c \\"d\\"" e`)).toEqual(['echo', 'a b', 'c "d"', 'e']);
    expect(parseKv('a=1 b="two words"').args).toEqual({ a: '1', b: 'two words' });
  });
});

describe('problems Ansible finds at run time', () => {
  const def = { name: 'm', args: { path: { type: 'str', required: true }, dest: { type: 'str', required: true }, state: { type: 'str', choices: ['present', 'absent'] }, n: { type: 'int' } } as ArgSchema };
  it('are marked, and read as AnsibleModule words them', () => {
    const { problems } = validateArgs(def, { state: 'bogus' });
    expect(problems.every((p) => p.runtime)).toBe(true);
    expect(formatProblems('m', problems)).toBe('missing required arguments: dest, path');
    expect(formatProblems('m', validateArgs(def, { path: 'a', dest: 'b', state: 'bogus' }).problems)).toBe('value of state must be one of: absent, present, got: bogus');
    expect(formatProblems('m', validateArgs(def, { path: 'a', dest: 'b', n: 'x' }).problems)).toMatch(/^argument 'n' is of type <class 'str'> and we were unable to convert to int: /);
  });
  it('an unknown parameter is certain: our message, named by module', () => {
    const { problems } = validateArgs(def, { path: 'a', dest: 'b', nope: 1 });
    expect(problems[0]!.runtime).toBeUndefined();
    expect(formatProblems('m', problems)).toMatch(/^m: unsupported parameter "nope"/);
  });
});
