/**
 * Compares the inventory with Ansible itself (ansible-playbook --list-hosts, ansible-inventory --list/--graph/--host)
 * on the fixture inventories. Skipped, with the reason printed, when Ansible is not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inventory } from '../../src/inventory/index.js';

const run = promisify(execFile);
const FIX = resolve(import.meta.dirname, '../fixtures/inventory');
const hasAnsible = spawnSync('ansible-playbook', ['--version']).status === 0;
if (!hasAnsible) console.log('inventory oracle tests skipped: ansible-playbook is not on PATH');

const COMMON = [
  'all', '*', 'ungrouped', 'nomatch', 'localhost', 'all:!ungrouped', '~.*[0-9]$', '*[0]', 'all[1:3]', 'all[-1]',
];

interface Case {
  name: string;
  sources: string[];
  patterns: string[];
  limits: string[];
  /**
   * Ansible orders grandchild groups by iterating a Python set of Group objects (hashed by id), so when two
   * top-level groups both have children its host order changes from run to run; compare membership only.
   */
  unorderedInAnsible?: boolean;
}

const CASES: Case[] = [
  {
    name: 'yaml',
    sources: ['yaml/hosts.yml'],
    patterns: [
      'web', 'web*', '*.example.com', '~web0[1-3]', 'web:db', 'web,db,monitoring', 'web:&monitoring', 'all:!web',
      'dc1:!db', 'web[0]', 'web[1:3]', 'web[-1]', 'web[2:]', 'web[0:0]', 'dc1:&web:!web02.example.com', '!web',
      '&monitoring', 'db-?', 'db-[ab]', 'web*[1]', 'monitoring:staging', 'lonely', 'mon1:web01.example.com:nomatch',
      'bastion.example.com', 'web05.example.com', 'staging:!mon*', '*mon*', 'dc1',
    ],
    limits: ['web*:!web02.example.com', '@limit.retry', 'monitoring,db-b'],
  },
  {
    name: 'ini',
    sources: ['ini/hosts'],
    patterns: [
      'app', 'app[0]', 'app[2:4]', 'frontend', 'frontend:!proxy', 'frontend:&proxy', 'cache', 'redis0*', '10.0.0.*',
      '10.0.0.2', '~app[135]', 'app-?', 'solo*', 'proxy:cache', 'all:!frontend', 'app1.internal', '*.internal[-1]',
    ],
    limits: ['frontend'],
  },
  {
    name: 'dir',
    sources: ['dir'],
    patterns: ['edge', 'core', 'e*', 'ignored', 'ignored1', 'edge:&core', 'edge[1]'],
    limits: [],
  },
  {
    name: 'multi',
    sources: ['yaml/hosts.yml', 'multi/extra.ini', 'ini/hosts'],
    patterns: ['web', 'newgroup', 'lonely', 'web:&app', 'web[5:]', 'app:web', 'dc1:!web99*'],
    limits: ['web,app'],
    unorderedInAnsible: true,
  },
  {
    name: 'nested',
    sources: ['nested/hosts.yml'],
    patterns: ['world', 'europe', 'germany', 'bavaria', 'world[2:4]', 'europe:!germany', 'world:&prio_*', 'prio*', 'gw', 'americas'],
    limits: ['europe'],
  },
];

interface Oracle {
  plays: Map<string, string[]>[];
  list: Record<string, unknown>;
  graph: string;
}

const home = mkdtempSync(join(tmpdir(), 'inv-oracle-'));
const env = {
  ...process.env,
  HOME: home,
  ANSIBLE_HOST_KEY_CHECKING: 'False',
  ANSIBLE_LOCALHOST_WARNING: 'False',
  ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
  ANSIBLE_NOCOLOR: '1',
};

/** Subscripts pick by position, so they are only comparable when Ansible's order is stable. */
function comparable(c: Case, pattern: string): boolean {
  return !c.unorderedInAnsible || !/\[-?\d+(?::\d*)?\]$/.test(pattern);
}

function same(c: Case, hosts: string[]): string[] {
  return c.unorderedInAnsible ? [...hosts].sort() : hosts;
}

function iArgs(sources: string[]): string[] {
  return sources.flatMap((s) => ['-i', s]);
}

/**
 * Ansible's own InventoryManager (the code behind `ansible PATTERN --list-hosts` and play host lists), run once
 * per case with the interpreter of the installed `ansible` command, evaluating every pattern and limit.
 */
const PY = `
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
req = json.load(sys.stdin)
im = InventoryManager(loader=DataLoader(), sources=req['sources'])
out = []
for limit in [None] + req['limits']:
    im.subset(limit)
    out.append({p: [h.name for h in im.get_hosts(p)] for p in req['patterns']})
print(json.dumps(out))
`;

function ansiblePython(): string {
  const path = spawnSync('sh', ['-c', 'command -v ansible'], { encoding: 'utf8' }).stdout.trim();
  const first = readFileSync(path, 'utf8').split('\n')[0]!.replace(/^#!\s*/, '').trim().split(/\s+/);
  return first[0]!.endsWith('/env') ? first[1]! : first[0]!;
}

async function listHosts(c: Case): Promise<Map<string, string[]>[]> {
  const limits = c.limits.map((l) => (l.startsWith('@') ? `@${join(home, l.slice(1))}` : l));
  const req = JSON.stringify({ sources: c.sources, patterns: [...COMMON, ...c.patterns], limits });
  const child = run(ansiblePython(), ['-c', PY], { cwd: FIX, env });
  child.child.stdin!.end(req);
  const { stdout } = await child;
  const parsed = JSON.parse(stdout) as Record<string, string[]>[];
  return parsed.map((m) => new Map(Object.entries(m)));
}

/** `ansible -i INV PATTERN --list-hosts`, parsed from its indented lines. */
async function adhocListHosts(sources: string[], pattern: string): Promise<string[]> {
  const { stdout } = await run('ansible', [...iArgs(sources), pattern, '--list-hosts'], { cwd: FIX, env });
  return stdout.split('\n').slice(1).map((l) => l.trim()).filter((l) => l.length > 0);
}

async function oracle(c: Case): Promise<Oracle> {
  const [plays, list, graph] = await Promise.all([
    listHosts(c),
    run('ansible-inventory', [...iArgs(c.sources), '--list'], { cwd: FIX, env }),
    run('ansible-inventory', [...iArgs(c.sources), '--graph'], { cwd: FIX, env }),
  ]);
  return { plays, list: JSON.parse(list.stdout) as Record<string, unknown>, graph: graph.stdout.trimEnd() };
}

describe.skipIf(!hasAnsible)('inventory matches ansible', () => {
  const oracles = new Map<string, Oracle>();
  const invs = new Map<string, Inventory>();

  beforeAll(async () => {
    writeFileSync(join(home, 'limit.retry'), 'web03.example.com\nmon1\n\n');
    const results = await Promise.all(CASES.map((c) => oracle(c)));
    CASES.forEach((c, i) => oracles.set(c.name, results[i]!));
    for (const c of CASES) invs.set(c.name, await Inventory.load(c.sources, { cwd: FIX }));
  }, 60_000);

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  for (const c of CASES) {
    describe(c.name, () => {
      it('selects the same hosts in the same order for every pattern', () => {
        const o = oracles.get(c.name)!;
        const inv = invs.get(c.name)!;
        for (const [pattern, hosts] of o.plays[0]!) {
          if (!comparable(c, pattern)) continue;
          expect({ pattern, hosts: same(c, inv.select(pattern).hosts) }).toEqual({ pattern, hosts: same(c, hosts) });
        }
      });

      it('applies --limit like ansible', () => {
        const o = oracles.get(c.name)!;
        const inv = invs.get(c.name)!;
        c.limits.forEach((limit, i) => {
          const lim = limit.startsWith('@') ? `@${join(home, limit.slice(1))}` : limit;
          for (const [pattern, hosts] of o.plays[i + 1]!) {
            if (!comparable(c, pattern)) continue;
            expect({ pattern, limit, hosts: same(c, inv.select(pattern, lim).hosts) }).toEqual({ pattern, limit, hosts: same(c, hosts) });
          }
        });
      });

      it('gives the same --list (groups and merged host vars)', () => {
        expect(invs.get(c.name)!.toList()).toEqual(oracles.get(c.name)!.list);
      });

      it('gives the same --graph', () => {
        expect(invs.get(c.name)!.graph()).toBe(oracles.get(c.name)!.graph);
      });
    });
  }

  it('agrees with `ansible PATTERN --list-hosts`', async () => {
    const patterns = ['all', 'web*:&dc1:!web03.example.com', 'monitoring:staging[0]'];
    const got = await Promise.all(patterns.map((p) => adhocListHosts(['yaml/hosts.yml'], p)));
    patterns.forEach((p, i) => expect({ p, hosts: invs.get('yaml')!.select(p).hosts }).toEqual({ p, hosts: got[i] }));
  }, 20_000);

  it('gives the implicit localhost the all-group vars and a local connection', async () => {
    const { stdout } = await run('ansible-inventory', ['-i', 'yaml/hosts.yml', '--host', 'localhost'], { cwd: FIX, env });
    const want = JSON.parse(stdout) as Record<string, unknown>;
    delete want['ansible_python_interpreter'];
    expect(invs.get('yaml')!.hostVars('localhost')).toEqual(want);
  });
});
