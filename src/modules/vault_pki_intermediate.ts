/**
 * vault_pki_intermediate: steps 5-6 of the guide in one task: CSR at the intermediate mount,
 * signed by the root mount (format=pem_bundle), imported with set-signed. No-op when the mount
 * already has an issuer: intermediate/generate makes a new key on every call, so it is never
 * called for a mount that is already signed.
 */
import type { ModuleDef } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, CONNECTION_ARGS, fail, openVault } from '../vault/module-kit.js';
import { commonName, localText, mountCa, pemFile, type MountCa } from '../vault/pki-kit.js';
import type { VaultArgs } from '../vault/session.js';
import { durationProblems } from '../vault/ttl.js';

export type VaultPkiIntermediateArgs = VaultArgs & { mount: string; root_mount: string; common_name: string; ttl?: string; key_type: string; key_bits?: number; cert_file?: string };
type State = MountCa & { cn: string; certFile: string | undefined; certFileText: string | undefined };

const label = (a: VaultPkiIntermediateArgs): string => `vault_pki_intermediate(${a.mount})`;

export const vault_pki_intermediate = {
  name: 'vault_pki_intermediate',
  target: 'local',
  checkMode: 'full',
  args: {
    ...CONNECTION_ARGS,
    mount: { type: 'str', default: 'pki_int', aliases: ['path'] },
    root_mount: { type: 'str', default: 'pki' },
    common_name: { type: 'str', required: true },
    ttl: { type: 'str' },
    key_type: { type: 'str', default: 'rsa', choices: ['rsa', 'ec'] },
    key_bits: { type: 'int' },
    cert_file: { type: 'path' },
  },
  validate: (a) => [...(a.mount === a.root_mount ? ['mount and root_mount must differ'] : []), ...durationProblems(a, ['ttl'])],
  async check(ctx, args) {
    const t = openVault(ctx, args, label(args));
    const ca = await call(t, (c) => mountCa(c, args.mount));
    const certFile = args.cert_file ? ctx.vault.resolvePath(args.cert_file) : undefined;
    return { ...ca, cn: ca.certificate ? await commonName(ca.certificate) : '', certFile, certFileText: certFile ? await localText(ctx, certFile) : undefined };
  },
  plan(s, args) {
    if (s.issuers.length === 0 && !s.certificate) {
      return { changed: true, summary: `generate intermediate CA "${args.common_name}" in ${args.mount}/, signed by ${args.root_mount}/` };
    }
    if (s.certFile && s.certFileText !== pemFile(s.certificate)) {
      return { changed: true, summary: `write the intermediate CA of ${args.mount}/ to ${s.certFile}`, diff: [{ path: s.certFile, before: s.certFileText ?? '', after: pemFile(s.certificate) }] };
    }
    return { changed: false, reason: `${args.mount}/ already has a signed intermediate CA (CN ${s.cn || '?'})`, data: { certificate: s.certificate } };
  },
  async apply(ctx, args, _plan, s) {
    const t = openVault(ctx, args, label(args));
    let certificate = s.certificate;
    let out: Record<string, unknown> = {};
    if (s.issuers.length === 0 && !s.certificate) {
      const gen: Record<string, unknown> = { common_name: args.common_name, key_type: args.key_type };
      if (args.ttl) gen['ttl'] = args.ttl;
      if (args.key_bits) gen['key_bits'] = args.key_bits;
      const csr = String(dataOf(await call(t, (c) => c.write(`${args.mount}/intermediate/generate/internal`, gen)))['csr'] ?? '');
      if (!csr.includes('CERTIFICATE REQUEST')) fail(t, `${args.mount}/intermediate/generate/internal returned no CSR`);
      const sign: Record<string, unknown> = { csr, format: 'pem_bundle' };
      if (args.ttl) sign['ttl'] = args.ttl;
      const signed = dataOf(await call(t, (c) => c.write(`${args.root_mount}/root/sign-intermediate`, sign)));
      const bundle = String(signed['certificate'] ?? '');
      await call(t, (c) => c.write(`${args.mount}/intermediate/set-signed`, { certificate: bundle }));
      certificate = (/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(bundle) ?? [''])[0];
      out = { serial_number: signed['serial_number'], expiration: signed['expiration'] };
    }
    if (s.certFile) await ctx.connection.writeFile(s.certFile, pemFile(certificate), { mode: 0o644 });
    return { ...out, certificate };
  },
} satisfies ModuleDef<VaultPkiIntermediateArgs, State>;
