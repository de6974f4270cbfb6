import { describe, expect, it } from 'vitest';
import { templateValue } from '../../src/template/index.js';

const vars = {
  s: 'Hello World',
  n: 42,
  f: 1.5,
  z: null,
  t: true,
  e: '',
  list: [3, 1, 2, 3],
  words: ['b', 'A', 'c'],
  nested: [1, [2, [3, [4]]]],
  d: { a: 1, b: { c: 2 } },
  users: [
    { name: 'ann', uid: 1, admin: true },
    { name: 'bob', uid: 2, admin: false },
    { name: 'cy', uid: 3 },
  ],
  path: '/etc/nomad.d/tls/server.pem',
  json: '{"x": [1, 2]}',
  yml: 'a: 1\nb: [x, y]\n',
};

const ev = (t: string): unknown => templateValue(t, vars);

describe('filters', () => {
  it.each<[string, unknown]>([
    ['{{ missing | default("x") }}', 'x'],
    ['{{ missing | d("x") }}', 'x'],
    ['{{ e | default("x") }}', ''],
    ['{{ e | default("x", true) }}', 'x'],
    ['{{ d.nope | default(5) }}', 5],
    ['{{ missing.deep.er | default("ok") }}', 'ok'],
    ['{{ n | mandatory }}', 42],
    ['{{ "yes" | bool }}', true],
    ['{{ "off" | bool }}', false],
    ['{{ "12" | int }}', 12],
    ['{{ "abc" | int }}', 0],
    ['{{ "0755" | int(base=8) }}', 493],
    ['{{ "1.5" | float }}', 1.5],
    ['{{ n | string }}', '42'],
    ['{{ t | string }}', 'True'],
    ['{{ s | lower }}', 'hello world'],
    ['{{ s | upper }}', 'HELLO WORLD'],
    ['{{ "hELLO" | capitalize }}', 'Hello'],
    ['{{ "hello big world" | title }}', 'Hello Big World'],
    ['{{ "  x  " | trim }}', 'x'],
    ['{{ "a-b-c" | replace("-", "+") }}', 'a+b+c'],
    ['{{ s | regex_replace("o", "0") }}', 'Hell0 W0rld'],
    ['{{ s | regex_replace("(?P<w>\\\\w+) (\\\\w+)", "\\\\2 \\\\g<w>") }}', 'World Hello'],
    ['{{ s | regex_search("W\\\\w+") }}', 'World'],
    ['{{ s | regex_search("nope") }}', null],
    ['{{ "a1b22c333" | regex_findall("\\\\d+") }}', ['1', '22', '333']],
    ['{{ "a.b*c" | regex_escape }}', 'a\\.b\\*c'],
    ['{{ words | join(",") }}', 'b,A,c'],
    ['{{ users | join(",", attribute="name") }}', 'ann,bob,cy'],
    ['{{ "a,b,c" | split(",") }}', ['a', 'b', 'c']],
    ['{{ list | length }}', 4],
    ['{{ d | count }}', 2],
    ['{{ s | length }}', 11],
    ['{{ list | first }}', 3],
    ['{{ list | last }}', 3],
    ['{{ list | min }}', 1],
    ['{{ list | max }}', 3],
    ['{{ users | max(attribute="uid") }}', { name: 'cy', uid: 3 }],
    ['{{ list | sum }}', 9],
    ['{{ users | sum(attribute="uid") }}', 6],
    ['{{ list | sort }}', [1, 2, 3, 3]],
    ['{{ words | sort }}', ['A', 'b', 'c']],
    ['{{ list | sort(reverse=true) }}', [3, 3, 2, 1]],
    ['{{ users | sort(attribute="name", reverse=true) | map(attribute="name") | list }}', ['cy', 'bob', 'ann']],
    ['{{ list | unique }}', [3, 1, 2]],
    ['{{ [1, 2] | union([2, 3]) }}', [1, 2, 3]],
    ['{{ [1, 2, 3] | intersect([2, 3, 4]) }}', [2, 3]],
    ['{{ [1, 2, 3] | difference([2]) }}', [1, 3]],
    ['{{ [1, 2] | symmetric_difference([2, 3]) }}', [1, 3]],
    ['{{ nested | flatten }}', [1, 2, 3, 4]],
    ['{{ nested | flatten(levels=1) }}', [1, 2, [3, [4]]]],
    ['{{ words | map("upper") | list }}', ['B', 'A', 'C']],
    ['{{ users | map(attribute="name") | list }}', ['ann', 'bob', 'cy']],
    ['{{ users | map(attribute="admin", default=false) | list }}', [true, false, false]],
    ['{{ list | select("gt", 1) | list }}', [3, 2, 3]],
    ['{{ [0, 1, "", "x"] | select | list }}', [1, 'x']],
    ['{{ list | reject("equalto", 3) | list }}', [1, 2]],
    ['{{ users | selectattr("admin") | map(attribute="name") | list }}', ['ann']],
    ['{{ users | selectattr("admin", "defined") | map(attribute="name") | list }}', ['ann', 'bob']],
    ['{{ users | selectattr("name", "equalto", "bob") | map(attribute="uid") | first }}', 2],
    ['{{ users | rejectattr("admin", "undefined") | list | length }}', 2],
    ['{{ users | selectattr("name", "match", "^[ab]") | list | length }}', 2],
    ['{{ "abc" | list }}', ['a', 'b', 'c']],
    ['{{ d | list }}', ['a', 'b']],
    ['{{ {"a": 1} | dict2items }}', [{ key: 'a', value: 1 }]],
    ['{{ {"a": 1} | dict2items(key_name="k", value_name="v") }}', [{ k: 'a', v: 1 }]],
    ['{{ [{"key": "a", "value": 1}] | items2dict }}', { a: 1 }],
    ['{{ d | combine({"a": 9}) }}', { a: 9, b: { c: 2 } }],
    ['{{ d | combine({"b": {"x": 1}}) }}', { a: 1, b: { x: 1 } }],
    ['{{ d | combine({"b": {"x": 1}}, recursive=true) }}', { a: 1, b: { c: 2, x: 1 } }],
    ['{{ {"l": [1]} | combine({"l": [2]}, list_merge="append") }}', { l: [1, 2] }],
    ['{{ [1, 2] | zip(["a", "b"]) | list }}', [[1, 'a'], [2, 'b']]],
    ['{{ dict(["a", "b"] | zip([1, 2])) }}', { a: 1, b: 2 }],
    ['{{ "hi" | b64encode }}', 'aGk='],
    ['{{ "aGk=" | b64decode }}', 'hi'],
    ['{{ d | to_json }}', '{"a": 1, "b": {"c": 2}}'],
    ['{{ {"b": 1, "a": [1, 2]} | to_nice_json }}', '{\n    "a": [\n        1,\n        2\n    ],\n    "b": 1\n}'],
    ['{{ json | from_json }}', { x: [1, 2] }],
    ['{{ d | to_yaml }}', 'a: 1\nb:\n  c: 2\n'],
    ['{{ yml | from_yaml }}', { a: 1, b: ['x', 'y'] }],
    ['{{ "it\'s here" | quote }}', `'it'"'"'s here'`],
    ['{{ "plain" | quote }}', 'plain'],
    ['{{ path | basename }}', 'server.pem'],
    ['{{ path | dirname }}', '/etc/nomad.d/tls'],
    ['{{ ["/etc", "nomad.d", "x.hcl"] | path_join }}', '/etc/nomad.d/x.hcl'],
    ['{{ "abc" | hash("sha256") }}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{ "abc" | hash("md5") }}', '900150983cd24fb0d6963f7d28e17f72'],
    ['{{ "abc" | checksum }}', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['{{ t | ternary("on", "off") }}', 'on'],
    ['{{ z | ternary("on", "off", "unset") }}', 'unset'],
    ['{{ d | type_debug }}', 'dict'],
    ['{{ list | type_debug }}', 'list'],
    ['{{ "https://u@h.example:8200/v1?x=1" | urlsplit("port") }}', 8200],
    ['{{ ["x", "y", "z"] | random(seed="host1") in ["x", "y", "z"] }}', true],
    ['{{ 10 | random(seed="a") == 10 | random(seed="a") }}', true],
    ['{{ ["a", "b"] | map("extract", {"a": 1, "b": 2}) | list }}', [1, 2]],
  ])('%s', (tpl, expected) => {
    expect(ev(tpl)).toEqual(expected);
  });

  it('expanduser uses the home directory', () => {
    expect(ev('{{ "~/x" | expanduser }}')).toMatch(/^\/.*\/x$|^\/x$/);
  });

  it('mandatory fails on undefined', () => {
    expect(() => ev('{{ missing | mandatory }}')).toThrow(/mandatory variable not defined/);
    expect(() => ev('{{ missing | mandatory("set missing") }}')).toThrow(/set missing/);
  });

  it('unknown filters suggest the closest name', () => {
    expect(() => ev('{{ s | lowr }}')).toThrow(/no filter named 'lowr' \(did you mean "lower"\?\)/);
  });
});
