/**
 * vault_pki_root: `vault write pki/root/generate/internal common_name=... ttl=...` and save the
 * CA certificate to `ca_file`. No-op when the mount already has an issuer (Vault ≥ 1.11 adds
 * one more issuer on every generate call, so the check comes first).
 */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, openVault } from '../vault/module-kit.js';
import { commonName, localText, mountCa, pemFile, type MountCa } from '../vault/pki-kit.js';
import type { VaultArgs } from '../vault/session.js';
import { durationProblems } from '../vault/ttl.js';

export type VaultPkiRootArgs = VaultArgs & { mount: string; common_name: string; ttl?: string; issuer_name?: string; key_type: string; key_bits?: number; ca_file?: string };
type State = MountCa & { cn: string; caFile: string | undefined; caFileText: string | undefined };

const label = (a: VaultPkiRootArgs): string => `vault_pki_root(${a.mount})`;

export const vault_pki_root = {
  name: 'vault_pki_root',
  target: 'local',
  checkMode: 'full',
  args: {
    ...CONNECTION_ARGS,
    mount: { type: 'str', default: 'pki', aliases: ['path'] },
    common_name: { type: 'str', required: true },
    ttl: { type: 'str' },
    issuer_name: { type: 'str' },
    key_type: { type: 'str', default: 'rsa', choices: ['rsa', 'ec'] },
    key_bits: { type: 'int' },
    ca_file: { type: 'path' },
  },
  validate: (a) => durationProblems(a, ['ttl']),
  async check(ctx, args) {
    const t = openVault(ctx, args, label(args));
    const ca = await call(t, (c) => mountCa(c, args.mount));
    const caFile = args.ca_file ? ctx.vault.resolvePath(args.ca_file) : undefined;
    return { ...ca, cn: ca.certificate ? await commonName(ca.certificate) : '', caFile, caFileText: caFile ? await localText(ctx, caFile) : undefined };
  },
  plan(s, args) {
    const has = s.issuers.length > 0 || s.certificate !== '';
    if (!has) return { changed: true, summary: `generate root CA "${args.common_name}" in ${args.mount}/${s.caFile ? `, save it to ${s.caFile}` : ''}` };
    const note = s.cn && s.cn !== args.common_name ? ` (CN ${s.cn}, not ${args.common_name}: not regenerated)` : ` (CN ${s.cn || args.common_name})`;
    if (s.caFile && s.caFileText !== pemFile(s.certificate)) {
      return { changed: true, summary: `${args.mount}/ already has a root CA${note}; write it to ${s.caFile}`, diff: [{ path: s.caFile, before: s.caFileText ?? '', after: pemFile(s.certificate) }] };
    }
    return { changed: false, reason: `${args.mount}/ already has a root CA${note}${s.caFile ? `; ${s.caFile} up to date` : ''}`, data: { certificate: s.certificate } };
  },
  async apply(ctx, args, _plan, s) {
    const t = openVault(ctx, args, label(args));
    let certificate = s.certificate;
    let out: Record<string, unknown> = {};
    if (s.issuers.length === 0 && !s.certificate) {
      const body: Record<string, unknown> = { common_name: args.common_name, key_type: args.key_type };
      if (args.ttl) body['ttl'] = args.ttl;
      if (args.issuer_name) body['issuer_name'] = args.issuer_name;
      if (args.key_bits) body['key_bits'] = args.key_bits;
      const d = dataOf(await call(t, (c) => c.write(`${args.mount}/root/generate/internal`, body)));
      certificate = String(d['certificate'] ?? '');
      out = { issuer_id: d['issuer_id'], serial_number: d['serial_number'], expiration: d['expiration'] };
    }
    if (s.caFile) await ctx.connection.writeFile(s.caFile, pemFile(certificate), { mode: 0o644 });
    return { ...out, certificate };
  },
} satisfies ModuleDef<VaultPkiRootArgs, State>;
