/**
 * gossip_key: the Serf gossip encryption key shared by all Nomad servers, made on the control
 * machine. Keeps `existing` when it is a valid key (base64 of 16, 24 or 32 bytes), otherwise
 * generates 16 random bytes, base64, as `nomad operator keygen` does. The key is a secret.
 */
import { randomBytes } from 'node:crypto';
import { defineModule } from './types.js';

export interface GossipKeyState {
  /** The existing key when it is valid, else undefined. */
  valid?: string;
  /** Why `existing` was not used (absent, or what is wrong with it). */
  rejected?: string;
}

const KEY_SIZES = new Set([16, 24, 32]);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Why `key` is not a valid gossip key, or undefined when it is. */
export function gossipKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'it is empty';
  if (!BASE64.test(key) || key.length % 4 !== 0) return 'it is not base64';
  const size = Buffer.from(key, 'base64').length;
  if (!KEY_SIZES.has(size)) return `it decodes to ${size} bytes (16, 24 or 32 expected)`;
  return undefined;
}

export function generateGossipKey(bytes = 16): string {
  return randomBytes(bytes).toString('base64');
}

export const gossip_key = defineModule({
  name: 'gossip_key',
  target: 'controller',
  checkMode: 'full',
  args: {
    existing: { type: 'str', secret: true },
    bytes: { type: 'int', default: 16, choices: [16, 24, 32] },
  },
  async check(ctx, args): Promise<GossipKeyState> {
    const existing = (args.existing ?? '').trim();
    if (existing === '') return { rejected: 'no existing key' };
    ctx.secrets.add(existing);
    const problem = gossipKeyProblem(existing);
    return problem === undefined ? { valid: existing } : { rejected: `the existing key is not usable: ${problem}` };
  },
  plan(current, args, ctx) {
    if (current.valid !== undefined) {
      return { ok: true, reason: 'reusing the existing key', data: { key: current.valid } };
    }
    // Generating is free of side effects, so the key exists in plan and --check shows the same
    // flow as a real run; it is registered as a secret before anything can print it.
    const key = generateGossipKey(args.bytes);
    ctx.secrets.add(key);
    return { change: { key }, summary: `generated a new key (${current.rejected ?? 'no existing key'})`, data: { key } };
  },
  // The new key is the whole change: it is registered (data.key), nothing is written anywhere.
  apply: async () => undefined,
});
