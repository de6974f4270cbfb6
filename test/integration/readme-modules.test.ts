/** The README's module table is the registry's: regenerate it with `npm run docs:modules`. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BEGIN, currentSection, END, moduleDescriptions, moduleTable, replaceSection } from '../../src/cli/module-table.js';
import { allModules } from '../../src/modules/registry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('README module table', () => {
  it('is what the module registry says (run `npm run docs:modules` after adding a module or option)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(currentSection(readme), 'README.md has no module table markers').toBeDefined();
    expect(currentSection(readme)).toBe(moduleTable(root));
  });

  it('has one row per registered module, with every option', () => {
    const table = moduleTable(root);
    for (const m of allModules()) {
      expect(table).toContain(`| \`${m.name}\``);
      for (const k of Object.keys(m.args).filter((a) => a !== '*')) expect(table).toMatch(new RegExp(`\\| \`${m.name}\`[^\\n]*\`${k}\``));
    }
  });

  it('describes a module by the line its file opens with', () => {
    const d = moduleDescriptions(join(root, 'src', 'modules'));
    expect(d.get('copy')).toMatch(/^put content/);
    expect(d.get('systemd')).toMatch(/^unit state/);
  });

  it('replaces only the section between the markers, and refuses a README without them', () => {
    const readme = `intro\n${BEGIN}\nold\n${END}\noutro\n`;
    expect(replaceSection(readme, `${BEGIN}\nnew\n${END}`)).toBe(`intro\n${BEGIN}\nnew\n${END}\noutro\n`);
    expect(() => replaceSection('no markers', 'x')).toThrow(/markers not found/);
  });
});
