/** The module contract: plan decides, apply performs exactly that change, results use typed channels. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateArgs } from '../../src/modules/args.js';
import { lineinfile } from '../../src/modules/lineinfile.js';
import { runModule } from '../../src/modules/run.js';
import { defineModule } from '../../src/modules/types.js';
import { vault_init } from '../../src/modules/vault_init.js';
import { vault_pki_root } from '../../src/modules/vault_pki_root.js';
import type { TestContext } from '../helpers/module-context.js';
import { makeContext } from '../helpers/module-context.js';

let t: TestContext;
beforeEach(async () => {
  t = await makeContext();
});
afterEach(() => t.cleanup());

/** A module over an in-memory "light": it records what apply() received. */
function lightModule(applied: unknown[], checkMode: 'full' | 'none' = 'full') {
  return defineModule({
    name: 'light',
    target: 'controller',
    checkMode,
    args: { state: { type: 'str', default: 'on', choices: ['on', 'off'] }, level: { type: 'int' } },
    check: async () => ({ state: 'off' as const }),
    plan(cur, args) {
      if (cur.state === args.state) return { ok: true, reason: `light already ${args.state}` };
      return { change: { to: args.state, level: args.level ?? 1 }, summary: `turn ${args.state}`, diff: [{ before: cur.state, after: args.state }], data: { planned: true } };
    },
    async apply(_ctx, change) {
      applied.push(change);
      return { applied: change.to };
    },
  });
}

describe('runModule and the contract', () => {
  it('apply receives the change plan() decided, and nothing else; registered data merges plan and apply', async () => {
    const applied: unknown[] = [];
    const r = await runModule(lightModule(applied), t.ctx, { state: 'on', level: '3' });
    expect(applied).toEqual([{ to: 'on', level: 3 }]);
    expect(r).toMatchObject({ changed: true, failed: false, reason: 'turn on', data: { planned: true, applied: 'on' } });
    expect(r.diff).toEqual([{ before: 'off', after: 'on' }]);
  });

  it('nothing to do carries its reason and never applies', async () => {
    const applied: unknown[] = [];
    const r = await runModule(lightModule(applied), t.ctx, { state: 'off' });
    expect(applied).toEqual([]);
    expect(r).toMatchObject({ changed: false, failed: false, reason: 'light already off', data: {} });
  });

  it('--check stops after plan: changed with the plan data, or skipped for checkMode none', async () => {
    const applied: unknown[] = [];
    const full = await runModule(lightModule(applied), t.with({ checkMode: true }), { state: 'on' });
    expect(full).toMatchObject({ changed: true, skipped: false, data: { planned: true } });
    const none = await runModule(lightModule(applied, 'none'), t.with({ checkMode: true }), { state: 'on' });
    expect(none).toMatchObject({ changed: false, skipped: true, msg: 'skipped in check mode: turn on', data: {} });
    expect(applied).toEqual([]);
  });

  it('side channels: facts (also registered as ansible_facts), control, output', async () => {
    const m = defineModule({
      name: 'channels',
      target: 'controller',
      checkMode: 'full',
      args: {},
      check: async () => undefined,
      plan: () => ({ ok: true, reason: 'r', facts: { a: 1 }, control: 'end_host', output: { value: 'shown', verbosity: 1 }, data: { x: 2 } }),
    });
    const r = await runModule(m, t.ctx, null);
    expect(r.data).toEqual({ ansible_facts: { a: 1 }, x: 2 });
    expect(r).toMatchObject({ facts: { a: 1 }, control: 'end_host', output: { value: 'shown', verbosity: 1 } });
  });

  it('lineinfile writes the text it planned, even when the file changes between plan and apply', async () => {
    const path = join(t.root, 'cfg');
    writeFileSync(path, 'a=1\n');
    const { args, problems } = validateArgs(lineinfile, { path, line: 'b=2' });
    expect(problems).toEqual([]);
    const cur = await lineinfile.check(t.ctx, args as never);
    const plan = lineinfile.plan(cur, args as never, t.ctx);
    if ('ok' in plan) throw new Error(`expected a change, got: ${plan.reason}`);
    writeFileSync(path, 'someone else\n');
    await lineinfile.apply!(t.ctx, plan.change);
    expect(readFileSync(path, 'utf8')).toBe('a=1\nb=2\n');
  });

  it('a vault_* change carries the request apply() sends (decided by plan, never recomputed)', () => {
    const vault = { label: 'vault_init', settings: { addr: 'https://127.0.0.1:8200', secretsFile: '/x/secrets.json' } };
    const init = (recoverySeal: boolean) => {
      const { args } = validateArgs(vault_init, { key_shares: 3, key_threshold: 2, recovery_shares: 4, recovery_threshold: 2 });
      return vault_init.plan({ initialized: false, sealType: recoverySeal ? 'transit' : 'shamir', recoverySeal, secretsFile: '/x/secrets.json', hasFile: false, vault }, args as never, t.ctx);
    };
    expect(init(false)).toMatchObject({ change: { request: { secret_shares: 3, secret_threshold: 2 }, secretsFile: '/x/secrets.json', vault } });
    expect(init(true)).toMatchObject({ change: { request: { recovery_shares: 4, recovery_threshold: 2 }, sealType: 'transit' } });

    const { args } = validateArgs(vault_pki_root, { common_name: 'global.nomad', ttl: '87600h', key_type: 'ec' });
    const root = vault_pki_root.plan({ issuers: [], certificate: '', cn: '', caFile: undefined, caFileText: undefined, vault }, args as never, t.ctx);
    expect(root).toMatchObject({ change: { kind: 'generate', mount: 'pki', request: { common_name: 'global.nomad', key_type: 'ec', ttl: '87600h' } } });
    const saved = vault_pki_root.plan({ issuers: ['a'], certificate: 'PEM', cn: 'global.nomad', caFile: '/x/ca.crt', caFileText: undefined, vault }, args as never, t.ctx);
    expect(saved).toMatchObject({ change: { kind: 'save', certificate: 'PEM', caFile: '/x/ca.crt' } });
  });
});
