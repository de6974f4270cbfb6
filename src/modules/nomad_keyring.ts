/**
 * nomad_keyring: Nomad's gossip keyring through the agent API (/v1/agent/keyring/list,
 * install, use, remove), answered by every server (Serf queries). Keys are secrets: masked in
 * every output. Registered: keys (key → number of servers that have it), num_nodes, and
 * `complete` (every server has exactly the same single key set). list is a read; install is ok
 * when every server already has the key, remove when none has it; use always changes (the API
 * does not say which key is primary) unless the key is the only one installed.
 */
import { gossipKeyProblem } from './gossip_key.js';
import { nomadConnArgs, nomadRequest, type NomadApiArgs } from './nomad_api.js';
import type { ModuleContext, ModuleDef } from './types.js';
import { ModuleFailure } from './types.js';

export type NomadKeyringArgs = Omit<NomadApiArgs, 'path' | 'method' | 'body' | 'status_code'> & { op: 'list' | 'install' | 'use' | 'remove'; gossip_key?: string };

export interface KeyringState extends Record<string, unknown> {
  keys: Record<string, number>;
  num_nodes: number;
}

async function call(ctx: ModuleContext, a: NomadKeyringArgs, op: string): Promise<KeyringState> {
  const label = `nomad_keyring(${op})`;
  const r = await nomadRequest(
    ctx,
    { ...a, path: `/v1/agent/keyring/${op}`, method: op === 'list' ? 'GET' : 'PUT', status_code: [200], ...(op === 'list' ? {} : { body: { Key: a.gossip_key } }) },
    label,
  );
  const j = r.json as { Keys?: Record<string, number>; NumNodes?: number } | undefined;
  if (!j || typeof j.Keys !== 'object' || j.Keys === null) throw new ModuleFailure(`${label}: unexpected answer from the agent`);
  for (const k of Object.keys(j.Keys)) ctx.secrets.add(k);
  return { keys: j.Keys, num_nodes: Number(j.NumNodes ?? 0) };
}

function summary(s: KeyringState): string {
  const counts = Object.values(s.keys).map((n) => `${n}/${s.num_nodes}`);
  return `${counts.length} key(s) installed (servers per key: ${counts.join(', ') || 'none'})`;
}

export const nomad_keyring = {
  name: 'nomad_keyring',
  target: 'remote',
  checkMode: 'full',
  args: {
    op: { type: 'str', default: 'list', choices: ['list', 'install', 'use', 'remove'] },
    gossip_key: { type: 'str', secret: true },
    ...nomadConnArgs,
  },
  validate: (args) => {
    if (args.op === 'list') return [];
    if (!args.gossip_key) return [`gossip_key is required for op=${args.op}`];
    const bad = gossipKeyProblem(args.gossip_key);
    return bad ? [`gossip_key is not a gossip key: ${bad}`] : [];
  },
  check: async (ctx, args) => {
    if (args.gossip_key) ctx.secrets.add(args.gossip_key);
    return call(ctx, args, 'list');
  },
  plan(cur, args) {
    const data = { ...cur, complete: Object.keys(cur.keys).length === 1 && Object.values(cur.keys)[0] === cur.num_nodes };
    const key = args.gossip_key ?? '';
    const everywhere = cur.keys[key] === cur.num_nodes;
    if (args.op === 'list') return { changed: false, reason: summary(cur), data };
    if (args.op === 'install' && everywhere) return { changed: false, reason: `the key is already installed on all ${cur.num_nodes} servers`, data };
    if (args.op === 'remove' && cur.keys[key] === undefined) return { changed: false, reason: 'no server has the key', data };
    if (args.op === 'use' && everywhere && Object.keys(cur.keys).length === 1) return { changed: false, reason: 'the key is the only one installed on every server', data };
    if (args.op === 'use' && !everywhere) throw new ModuleFailure(`nomad_keyring(use): the key is installed on ${cur.keys[key] ?? 0} of ${cur.num_nodes} servers; install it everywhere first`);
    return { changed: true, summary: `${args.op} a gossip key on ${cur.num_nodes} servers`, data };
  },
  apply: async (ctx, args) => {
    const after = await call(ctx, args, args.op);
    return { ...after, complete: Object.keys(after.keys).length === 1 && Object.values(after.keys)[0] === after.num_nodes };
  },
} satisfies ModuleDef<NomadKeyringArgs, KeyringState>;
