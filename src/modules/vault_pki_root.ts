/**
 * vault_pki_root: `vault write pki/root/generate/internal common_name=... ttl=...` and save the
 * CA certificate to `ca_file`. No-op when the mount already has an issuer (Vault ≥ 1.11 adds
 * one more issuer on every generate call, so the check comes first).
 */
import { defineModule, type Plan } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, openVault, targetOf, type VaultTarget } from './lib/vault.js';
import { commonName, localText, mountCa, pemFile, type MountCa } from './lib/pki.js';
import { durationProblems } from '../vault/ttl.js';

type State = MountCa & { cn: string; caFile: string | undefined; caFileText: string | undefined; vault: VaultTarget };

/**
 * Generate the root CA (`<mount>/root/generate/internal` with this request) and save it to
 * caFile; or, when the mount has its CA already, only write that certificate to caFile.
 */
type RootChange = { kind: 'generate'; vault: VaultTarget; mount: string; request: Record<string, unknown>; caFile?: string } | { kind: 'save'; certificate: string; caFile: string };

const label = (a: { mount: string }): string => `vault_pki_root(${a.mount})`;

export const vault_pki_root = defineModule({
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
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, label(args));
    const ca = await call(t, (c) => mountCa(c, args.mount));
    const caFile = args.ca_file ? ctx.vault.resolvePath(args.ca_file) : undefined;
    return { ...ca, cn: ca.certificate ? await commonName(ca.certificate) : '', caFile, caFileText: caFile ? await localText(ctx, caFile) : undefined, vault: targetOf(t) };
  },
  plan(s, args): Plan<RootChange> {
    const has = s.issuers.length > 0 || s.certificate !== '';
    if (!has) {
      const request: Record<string, unknown> = { common_name: args.common_name, key_type: args.key_type };
      if (args.ttl) request['ttl'] = args.ttl;
      if (args.issuer_name) request['issuer_name'] = args.issuer_name;
      if (args.key_bits) request['key_bits'] = args.key_bits;
      return { change: { kind: 'generate', vault: s.vault, mount: args.mount, request, ...(s.caFile ? { caFile: s.caFile } : {}) }, summary: `generate root CA "${args.common_name}" in ${args.mount}/${s.caFile ? `, save it to ${s.caFile}` : ''}` };
    }
    const note = s.cn && s.cn !== args.common_name ? ` (CN ${s.cn}, not ${args.common_name}: not regenerated)` : ` (CN ${s.cn || args.common_name})`;
    if (s.caFile && s.caFileText !== pemFile(s.certificate)) {
      return { change: { kind: 'save', certificate: s.certificate, caFile: s.caFile }, summary: `${args.mount}/ already has a root CA${note}; write it to ${s.caFile}`, diff: [{ path: s.caFile, before: s.caFileText ?? '', after: pemFile(s.certificate) }] };
    }
    return { ok: true, reason: `${args.mount}/ already has a root CA${note}${s.caFile ? `; ${s.caFile} up to date` : ''}`, data: { certificate: s.certificate } };
  },
  async apply(ctx, c) {
    if (c.kind === 'save') {
      await ctx.connection.writeFile(c.caFile, pemFile(c.certificate), { mode: 0o644 });
      return { certificate: c.certificate };
    }
    const t = connect(ctx, c.vault);
    const d = dataOf(await call(t, (v) => v.write(`${c.mount}/root/generate/internal`, c.request)));
    const certificate = String(d['certificate'] ?? '');
    if (c.caFile) await ctx.connection.writeFile(c.caFile, pemFile(certificate), { mode: 0o644 });
    return { issuer_id: d['issuer_id'], serial_number: d['serial_number'], expiration: d['expiration'], certificate };
  },
});
