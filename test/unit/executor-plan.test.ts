/** planPlay: the plan stage, pure: a play and an inventory in, hosts, batches and task list out. */
import { describe, expect, it } from 'vitest';
import { planPlay, limitFor } from '../../src/executor/plan.js';
import { Inventory } from '../../src/inventory/index.js';
import { emptyInherited, type Play } from '../../src/playbook/model.js';
import { lazyVars } from '../../src/template/index.js';

function play(over: Partial<Play>): Play {
  return { name: 'p', hosts: 'all', pos: undefined, file: 'p.yml', baseDir: '.', vars: {}, varsFiles: [], roles: [], preTasks: [], tasks: [], postTasks: [], handlers: [], serial: [], anyErrorsFatal: false, order: 'inventory', gatherFacts: false, forceHandlers: false, tags: [], inh: emptyInherited(), ...over };
}

const inventory = (): Promise<Inventory> => Inventory.load(['web2,web1,db1,db2,']);

describe('planPlay', () => {
  it.each([
    ['inventory', ['web2', 'web1', 'db1', 'db2']],
    ['reverse_inventory', ['db2', 'db1', 'web1', 'web2']],
    ['sorted', ['db1', 'db2', 'web1', 'web2']],
    ['reverse_sorted', ['web2', 'web1', 'db2', 'db1']],
  ] as const)('order: %s', async (order, hosts) => {
    expect(planPlay(play({ order }), await inventory(), { vars: {} }).hosts).toEqual(hosts);
  });

  it('order: shuffle draws from the random source it is given', async () => {
    const p = planPlay(play({ order: 'shuffle' }), await inventory(), { vars: {}, random: () => 0 });
    expect(p.hosts).toEqual(['web1', 'db1', 'db2', 'web2']);
  });

  it('renders hosts and serial with the play-level vars: vars_files and extra vars over play vars', async () => {
    const vars = lazyVars({ target: 'web*', size: 1 });
    const p = planPlay(play({ hosts: '{{ target }}', serial: ['{{ size }}'] }), await inventory(), { vars });
    expect(p.pattern).toBe('web*');
    expect(p.batches).toEqual([['web2'], ['web1']]);
  });

  it('a templated serial may give a whole list; a bad one is an error naming the play', async () => {
    const inv = await inventory();
    expect(planPlay(play({ serial: ['{{ b }}'] }), inv, { vars: lazyVars({ b: [1, '50%'] }) }).batches).toEqual([['web2'], ['web1', 'db1'], ['db2']]);
    expect(() => planPlay(play({ serial: ['many'] }), inv, { vars: {} })).toThrow('play "p": serial must be a number, a percentage like "25%" or a list of them, got "many"');
  });

  it('leaves out hosts an earlier play failed, and applies --limit except to a localhost play', async () => {
    const inv = await inventory();
    const p = planPlay(play({}), inv, { vars: {}, limit: 'web*', exclude: new Set(['web1']) });
    expect(p.hosts).toEqual(['web2']);
    expect(limitFor('localhost', 'web*')).toBeUndefined();
    expect(planPlay(play({ hosts: 'localhost' }), inv, { vars: {}, limit: 'web*' }).hosts).toEqual(['localhost']);
  });

  it('no hosts: no batches and no gather task; gather_facts adds the implicit setup task, tagged always', async () => {
    const inv = await inventory();
    const none = planPlay(play({ hosts: 'nomatch', gatherFacts: true }), inv, { vars: {} });
    expect(none.hosts).toEqual([]);
    expect(none.batches).toEqual([]);
    expect(none.gather).toBeUndefined();
    expect(none.warnings.length).toBeGreaterThan(0);
    const g = planPlay(play({ gatherFacts: true, gatherSubset: ['network'] }), inv, { vars: {} });
    expect(g.gather).toMatchObject({ name: 'Gathering Facts', action: 'setup', args: { gather_subset: ['network'] }, inh: { tags: ['always'] } });
    expect(g.sections).toHaveLength(3);
  });
});
