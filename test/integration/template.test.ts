import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalCondition, evalExpression, lazyVars, OMIT, render, TemplateError, templateValue } from '../../src/template/index.js';
import { parseYaml } from '../../src/yaml/index.js';

const vars = {
  s: 'Hello World',
  n: 42,
  z: null,
  t: true,
  f: false,
  list: [1, 2, 3],
  d: { a: 1, b: { c: [10, 20] }, 'dashed-key': 'v' },
  res: { rc: 0, changed: true, failed: false, stdout: 'ok\n', stdout_lines: ['ok'] },
  bad: { rc: 2, failed: true, skipped: false },
  ver: '1.10.2',
  csv: 'a, b ,c',
};

describe('templateValue: native types', () => {
  it.each<[string, unknown]>([
    ['{{ list }}', [1, 2, 3]],
    ['{{ d }}', vars.d],
    ['{{ n }}', 42],
    ['{{ n + 1 }}', 43],
    ['{{ t }}', true],
    ['{{ z }}', null],
    ['{{ d.b.c.1 }}', 20],
    ['{{ d["b"]["c"][0] }}', 10],
    ['{{ d["dashed-key"] }}', 'v'],
    ['{{ list[-1] }}', 3],
    ['{{ "d.b.0" ~ d.b.c.0 }}', 'd.b.010'],
    ['{{ 1.5 + 1 }}', 2.5],
    ['{{ 2 is in list }}', true],
    ['{{ list | length > 2 }}', true],
    ['{{ {"a": {"b": 1}} }}', { a: { b: 1 } }],
    ['{{ (1, 2) }}', [1, 2]],
    ['n={{ n }}', 'n=42'],
    ['{{ list }} items', '[1, 2, 3] items'],
    ['{{ d.b }}!', "{'c': [10, 20]}!"],
    ['{{ t }}/{{ z }}/{{ f }}', 'True//False'],
    ['{{ n }}\n', '42\n'],
    ['plain text', 'plain text'],
    ['{% raw %}{{ not rendered }}{% endraw %}', '{{ not rendered }}'],
    ['{# comment #}x', 'x'],
  ])('%s', (tpl, expected) => {
    expect(templateValue(tpl, vars)).toEqual(expected);
  });

  it('walks lists and dicts, keeping unchanged containers', () => {
    const plain = { a: ['x', { b: 'y' }] };
    expect(templateValue(plain, vars)).toBe(plain);
    expect(templateValue({ a: ['{{ n }}', { b: '{{ s | lower }}' }], k: 3 }, vars)).toEqual({ a: [42, { b: 'hello world' }], k: 3 });
  });

  it('drops keys whose value is omit', () => {
    expect(templateValue({ a: '{{ missing | default(omit) }}', b: 1 }, vars)).toEqual({ b: 1 });
    expect(templateValue('{{ omit }}', vars)).toBe(OMIT);
  });

  it('leaves !unsafe strings alone', () => {
    const doc = parseYaml('cmd: !unsafe "echo {{ x }}"\n', 'f.yml');
    expect(templateValue(doc.value, vars)).toEqual({ cmd: 'echo {{ x }}' });
  });

  it('strings without template markers are returned as they are', () => {
    for (const s of ['a } b', '{ x }', 'path/{a,b}', '%}']) expect(templateValue(s, {})).toBe(s);
  });
});

describe('Python semantics', () => {
  it.each<[string, unknown]>([
    ['{{ s.split() }}', ['Hello', 'World']],
    ['{{ csv.split(",") | map("trim") | list }}', ['a', 'b', 'c']],
    ['{{ s.startswith("Hell") }}', true],
    ['{{ s.endswith(("x", "ld")) }}', true],
    ['{{ "  x ".strip() }}', 'x'],
    ['{{ s.lower() }}/{{ s.upper() }}', 'hello world/HELLO WORLD'],
    ['{{ "a-a".replace("-", "_") }}', 'a_a'],
    ['{{ d.keys() | list }}', ['a', 'b', 'dashed-key']],
    ['{{ d.values() | list | length }}', 3],
    ['{{ d.items() | list | first }}', ['a', 1]],
    ['{{ d.get("a") }}', 1],
    ['{{ d.get("x", "dflt") }}', 'dflt'],
    ['{{ ",".join(["a", "b"]) }}', 'a,b'],
    ['{{ "b" in "abc" }}', true],
    ['{{ "a" in d }}', true],
    ['{{ 4 not in list }}', true],
    ['{{ [1] in [[1], [2]] }}', true],
    ['{{ "a" ~ 1 ~ True }}', 'a1True'],
    ['{{ True and None }}', null],
    ['{{ [] or "fallback" }}', 'fallback'],
    ['{{ 0 or none or false }}', false],
    ['{{ not [] }}', true],
    ['{{ 1 == "1" }}', false],
    ['{{ {"a": [1]} == {"a": [1]} }}', true],
    ['{{ 1 < 2 < 3 }}', true],
    ['{{ "yes" if list else "no" }}', 'yes'],
    ['{{ "yes" if {} else "no" }}', 'no'],
    ['{{ 7 // 2 }}', 3],
    ['{{ 2 ** 10 }}', 1024],
    ['{{ range(3) | list }}', [0, 1, 2]],
    ['{% for k in d %}{{ k }};{% endfor %}', 'a;b;dashed-key;'],
    ['{% for k, v in d.items() %}{{ k }}={{ v | type_debug }} {% endfor %}', 'a=int b=dict dashed-key=str '],
    ['{% for x in list %}{{ loop.index }}{% if not loop.last %},{% endif %}{% endfor %}', '1,2,3'],
    ['{% set total = n * 2 %}{{ total }}', '84'],
  ])('%s', (tpl, expected) => {
    expect(templateValue(tpl, vars)).toEqual(expected);
  });
});

describe('tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tpl-test-'));
  writeFileSync(join(dir, 'f.txt'), 'x');
  const v = { ...vars, dir, file: join(dir, 'f.txt') };
  it.each<[string, boolean]>([
    ['missing is defined', false],
    ['n is defined', true],
    ['missing is undefined', true],
    ['d.nope is defined', false],
    ['d.b.c is defined', true],
    ['missing.x.y is undefined', true],
    ['z is none', true],
    ['s is string', true],
    ['n is number', true],
    ['d is mapping', true],
    ['list is mapping', false],
    ['list is iterable', true],
    ['list is sequence', true],
    ['t is boolean', true],
    ['n is boolean', false],
    ['"x" is truthy', true],
    ['[] is falsy', true],
    ['s is match("Hello")', true],
    ['s is match("World")', false],
    ['s is search("World")', true],
    ['s is regex("^H.*d$")', true],
    ['2 is in list', true],
    ['list is contains(3)', true],
    ['ver is version("1.9", ">")', true],
    ['ver is version("1.10.2", "==")', true],
    ['ver is version("1.10.10", "lt")', true],
    ['"1.0" is version("1.0rc1", ">")', false], // LooseVersion: [1, 0] < [1, 0, 'rc', 1], as ansible says
    ['res is succeeded', true],
    ['res is success', true],
    ['res is changed', true],
    ['bad is failed', true],
    ['bad is failure', true],
    ['bad is skipped', false],
    ['n is equalto(42)', true],
    ['n is eq(42)', true],
    ['n is gt(41)', true],
    ['n is lt(41)', false],
    ['n is ge(42)', true],
    ['n is le(41)', false],
    ['n is not defined', false],
    ['[1, 2] is subset([1, 2, 3])', true],
    ['[1, 2, 3] is superset([3])', true],
    ['file is file', true],
    ['dir is directory', true],
    ['dir is file', false],
    ['(dir ~ "/nope") is exists', false],
  ])('%s', (expr, expected) => {
    expect(evalExpression(expr, v)).toBe(expected);
  });

  it('failed expects a registered result', () => {
    expect(() => evalExpression('n is failed', vars)).toThrow(/expects a dictionary/);
  });
});

describe('undefined variables', () => {
  it.each<[string, string]>([
    ['{{ foo }}', "template \"{{ foo }}\": 'foo' is undefined"],
    ['x {{ foo.bar }}', "'foo' is undefined"],
    ['{{ d.nope }}', "'dict object' has no attribute 'nope'"],
    ['{{ d.nope.deeper }}', "'dict object' has no attribute 'nope'"],
    ['{{ list.7 }}', "'list object' has no element 7"],
    ['{{ z.x }}', "'None' has no attribute 'x'"],
    ['{{ foo | upper }}', "'foo' is undefined"],
    ['{% if foo %}x{% endif %}', "'foo' is undefined"],
    ['{% for x in foo %}{% endfor %}', "'foo' is undefined"],
    ['{{ foo == 1 }}', "'foo' is undefined"],
    ['{{ n | default(foo) }}', "'foo' is undefined"],
  ])('%s', (tpl, message) => {
    expect(() => templateValue(tpl, vars)).toThrow(message);
  });

  it('errors are TemplateError with the template and reason', () => {
    try {
      render('line1\nline2 {{ nope }}\n', vars, { name: 'templates/nomad.hcl.j2' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError);
      const err = e as TemplateError;
      expect(err.reason).toBe("'nope' is undefined");
      expect(err.line).toBe(2);
      expect(err.message).toBe('template "templates/nomad.hcl.j2" line 2: \'nope\' is undefined');
    }
  });

  it('syntax errors are reported as such', () => {
    expect(() => templateValue('{{ a b }}', vars)).toThrow(/syntax error: expected variable end/);
  });

  it('lookup env and file work; unknown lookups suggest', () => {
    process.env['TPL_TEST_VAR'] = 'from-env';
    expect(templateValue("{{ lookup('env', 'TPL_TEST_VAR') }}", {})).toBe('from-env');
    const dir = mkdtempSync(join(tmpdir(), 'tpl-lookup-'));
    writeFileSync(join(dir, 'ca.pem'), 'PEM\n\n');
    expect(templateValue("{{ lookup('file', 'ca.pem') }}", { playbook_dir: dir })).toBe('PEM');
    expect(() => templateValue("{{ lookup('fil', 'x') }}", {})).toThrow(/lookup plugin \(fil\) not found \(did you mean "file"\?\)/);
  });
});

describe('render (text templates)', () => {
  it('keeps trailing newlines and trims block lines like Ansible', () => {
    const tpl = 'servers = [\n{% for x in list %}\n  "{{ x }}",\n{% endfor %}\n]\n\n';
    expect(render(tpl, vars)).toBe('servers = [\n  "1",\n  "2",\n  "3",\n]\n\n');
  });

  it('a lone expression renders as text', () => {
    expect(render('{{ list }}', vars)).toBe('[1, 2, 3]');
    expect(render('{{ t }}', vars)).toBe('True');
  });
});

describe('evalCondition', () => {
  it.each<[unknown, boolean]>([
    [true, true],
    [false, false],
    ['res.rc == 0', true],
    ['res is changed and bad is failed', true],
    ['res.stdout_lines', true],
    ['[]', false],
    [['t', 'n > 40'], true],
    [['t', 'n > 50'], false],
    ['{{ t }}', true],
    ['{{ f }}', false],
    ['flag', false],
    ['word', true],
    ['"ok" in res.stdout', true],
    ['missing is not defined', true],
  ])('%j', (cond, expected) => {
    expect(evalCondition(cond, { ...vars, flag: 'false', word: 'anything' })).toBe(expected);
  });

  it('names the expression and the cause', () => {
    expect(() => evalCondition('foo == 1', vars)).toThrow('conditional "foo == 1": \'foo\' is undefined');
  });
});

describe('lazyVars', () => {
  it('renders templated variables on access, through layers', () => {
    const defaults = { base: '/opt/nomad', dir: '{{ base }}/tls', port: '{{ 4646 + offset }}', offset: 0 };
    const host = { offset: 1 };
    const v = lazyVars([defaults, host]);
    expect(v['dir']).toBe('/opt/nomad/tls');
    expect(v['port']).toBe(4647);
    expect(render('{{ dir }}:{{ port }}', v)).toBe('/opt/nomad/tls:4647');
    expect('base' in v).toBe(true);
    expect('nope' in v).toBe(false);
    expect(Object.keys(v).sort()).toEqual(['base', 'dir', 'offset', 'port']);
  });

  it('renders nested values and keeps !unsafe ones', () => {
    const doc = parseYaml('base: /x\ncfg:\n  dir: "{{ base }}/y"\nraw: !unsafe "{{ base }}"\n', 'vars.yml');
    const v = lazyVars(doc.value as Record<string, unknown>);
    expect(v['cfg']).toEqual({ dir: '/x/y' });
    expect(render('{{ raw }}', v)).toBe('{{ base }}');
  });

  it('detects recursion', () => {
    const v = lazyVars({ a: '{{ b }}', b: '{{ c }}', c: '{{ a }}' });
    expect(() => render('{{ a }}', v)).toThrow(/recursive loop detected in template: 'a' -> 'b' -> 'c' -> 'a'/);
    expect(() => lazyVars({ x: '{{ x }}' })['x']).toThrow(/recursive loop detected in template/);
  });

  it('undefined inside a lazy variable names the missing one', () => {
    const v = lazyVars({ a: '{{ missing }}/x' });
    expect(() => render('{{ a }}', v)).toThrow(/'missing' is undefined/);
  });
});

describe('python + semantics', () => {
  it.each([
    ['{{ a + b }}', { a: [1], b: [2] }, [1, 2]],
    ["{{ 'a' + 'b' }}", {}, 'ab'],
    ['{{ 1 + 2 }}', {}, 3],
    ['{{ (a | list) + [3] }}', { a: [1] }, [1, 3]],
  ])('%s', async (expr, vars, expected) => {
    const { templateValue } = await import('../../src/template/index.js');
    expect(templateValue(expr, vars)).toEqual(expected);
  });
  it('mixing types is an error', async () => {
    const { templateValue } = await import('../../src/template/index.js');
    expect(() => templateValue('{{ x + 1 }}', { x: '1' })).toThrow(/unsupported operand type\(s\) for \+: 'str' and 'int'/);
  });
});

describe('comment filter: as ansible-core 2.14 (outputs recorded from ansible-core)', () => {
  it.each<[string, string]>([
    ["{{ 'a\\nb' | comment }}", '#\n# a\n# b\n#'],
    ["{{ 'Ansible managed' | comment }}", '#\n# Ansible managed\n#'],
    ["{{ 'x\\n\\ny' | comment('c') }}", '//\n// x\n//\n// y\n//'],
    ["{{ 'x' | comment('cblock') }}", '/*\n *\n * x\n *\n */'],
    ["{{ 'x' | comment('xml') }}", '<!--\n -\n - x\n -\n-->'],
    ["{{ 'x' | comment(decoration='; ', prefix_count=2) }}", ';\n;\n; x\n;'],
    ["{{ '' | comment }}", '#\n# \n#'],
  ])('%s', (tpl, want) => {
    expect(render(tpl, {})).toBe(want);
  });
});

describe('blocks render in place (no extends), as Jinja does', () => {
  it('matches ansible-core on a template with blocks (output recorded from ansible-core)', () => {
    const src = 'a\n{% block x %}\nB{{ v }}\n{% endblock %}\n\nserver {\n    {% block y %}{% endblock %}\n\n    {% block z -%}\n    listen 80;\n    {% endblock %}\n}\n';
    expect(render(src, { v: 1 })).toBe('a\nB1\n\nserver {\n    \n    listen 80;\n    }\n');
  });
});
