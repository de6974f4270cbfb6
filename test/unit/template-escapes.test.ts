import { describe, expect, it } from 'vitest';
import { evalCondition, render } from '../../src/template/index.js';

describe('string literals and regexes as in Ansible (Python) Jinja', () => {
  it.each([
    ["{{ '\\s' }}", '\\s'],
    ["{{ 'a\\tb' }}", 'a\tb'],
    ["{{ 'it\\'s' }}", "it's"],
    ["{{ 'x\\\\y' }}", 'x\\y'],
    ["{{ '\\{' }}", '\\{'],
  ])('%s renders %j', (src, want) => {
    expect(render(src, {})).toBe(want);
  });

  it('an unknown escape in a regex literal keeps its backslash', () => {
    expect(evalCondition("t is search('^\\s*tls\\s*\\{')", { t: '  tls {' })).toBe(true);
    expect(evalCondition("t is search('^\\s*tls\\s*\\{')", { t: 'stls {' })).toBe(false);
  });

  it('leading inline flags (?m) (?i) apply to the whole pattern', () => {
    const t = '# conf\n  tls {\n';
    expect(evalCondition("t is search('(?m)^\\s*tls\\s*\\{')", { t })).toBe(true);
    expect(evalCondition("t is search('^\\s*tls\\s*\\{')", { t })).toBe(false);
    expect(evalCondition("'ABC' is match('(?i)abc')", {})).toBe(true);
    expect(render("{{ 'x\\nencrypt = \"k\"' | regex_search('(?m)^encrypt\\s*=\\s*\"([^\"]*)\"', '\\1') | first }}", {})).toBe('k');
  });
});
