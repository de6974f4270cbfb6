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
import type { ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

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

/** The keyring call to make: its operation and the connection settings. */
type KeyringCall = NomadKeyringArgs;

const complete = (s: KeyringState): boolean => Object.keys(s.keys).length === 1 && Object.values(s.keys)[0] === s.num_nodes;

export const nomad_keyring = defineModule({
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
  check: async (ctx, args): Promise<KeyringState> => {
    if (args.gossip_key) ctx.secrets.add(args.gossip_key);
    return call(ctx, args as KeyringCall, 'list');
  },
  plan(cur, args) {
    const data = { ...cur, complete: complete(cur) };
    const key = args.gossip_key ?? '';
    const everywhere = cur.keys[key] === cur.num_nodes;
    if (args.op === 'list') return { ok: true, reason: summary(cur), data };
    if (args.op === 'install' && everywhere) return { ok: true, reason: `the key is already installed on all ${cur.num_nodes} servers`, data };
    if (args.op === 'remove' && cur.keys[key] === undefined) return { ok: true, reason: 'no server has the key', data };
    if (args.op === 'use' && everywhere && Object.keys(cur.keys).length === 1) return { ok: true, reason: 'the key is the only one installed on every server', data };
    if (args.op === 'use' && !everywhere) throw new ModuleFailure(`nomad_keyring(use): the key is installed on ${cur.keys[key] ?? 0} of ${cur.num_nodes} servers; install it everywhere first`);
    return { change: args as KeyringCall, summary: `${args.op} a gossip key on ${cur.num_nodes} servers`, data };
  },
  apply: async (ctx, c: KeyringCall) => {
    const after = await call(ctx, c, c.op);
    return { ...after, complete: complete(after) };
  },
});
