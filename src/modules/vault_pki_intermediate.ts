/**
 * vault_pki_intermediate: steps 5-6 of the guide in one task: CSR at the intermediate mount,
 * signed by the root mount (format=pem_bundle), imported with set-signed. No-op when the mount
 * already has an issuer: intermediate/generate makes a new key on every call, so it is never
 * called for a mount that is already signed.
 */
import { defineModule, type Plan } from './types.js';
import { dataOf } from '../vault/client.js';
import { call, connect, CONNECTION_ARGS, fail, openVault, targetOf, type VaultTarget } from './lib/vault.js';
import { commonName, localText, mountCa, pemFile, type MountCa } from './lib/pki.js';
import { durationProblems } from '../vault/ttl.js';

type State = MountCa & { cn: string; certFile: string | undefined; certFileText: string | undefined; vault: VaultTarget };

/**
 * Make the intermediate CA: the CSR request to `<mount>/intermediate/generate/internal`, the
 * signing request to `<rootMount>/root/sign-intermediate` (the CSR is added), set-signed, and
 * certFile written; or, when the mount is signed already, only write its certificate to certFile.
 */
type IntermediateChange =
  | { kind: 'generate'; vault: VaultTarget; mount: string; rootMount: string; generate: Record<string, unknown>; sign: Record<string, unknown>; certFile?: string }
  | { kind: 'save'; certificate: string; certFile: string };

const label = (a: { mount: string }): string => `vault_pki_intermediate(${a.mount})`;

export const vault_pki_intermediate = defineModule({
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
  async check(ctx, args): Promise<State> {
    const t = openVault(ctx, args, label(args));
    const ca = await call(t, (c) => mountCa(c, args.mount));
    const certFile = args.cert_file ? ctx.vault.resolvePath(args.cert_file) : undefined;
    return { ...ca, cn: ca.certificate ? await commonName(ca.certificate) : '', certFile, certFileText: certFile ? await localText(ctx, certFile) : undefined, vault: targetOf(t) };
  },
  plan(s, args): Plan<IntermediateChange> {
    if (s.issuers.length === 0 && !s.certificate) {
      const generate: Record<string, unknown> = { common_name: args.common_name, key_type: args.key_type };
      if (args.ttl) generate['ttl'] = args.ttl;
      if (args.key_bits) generate['key_bits'] = args.key_bits;
      const sign: Record<string, unknown> = { format: 'pem_bundle' };
      if (args.ttl) sign['ttl'] = args.ttl;
      const change: IntermediateChange = { kind: 'generate', vault: s.vault, mount: args.mount, rootMount: args.root_mount, generate, sign, ...(s.certFile ? { certFile: s.certFile } : {}) };
      return { change, summary: `generate intermediate CA "${args.common_name}" in ${args.mount}/, signed by ${args.root_mount}/` };
    }
    if (s.certFile && s.certFileText !== pemFile(s.certificate)) {
      return { change: { kind: 'save', certificate: s.certificate, certFile: s.certFile }, summary: `write the intermediate CA of ${args.mount}/ to ${s.certFile}`, diff: [{ path: s.certFile, before: s.certFileText ?? '', after: pemFile(s.certificate) }] };
    }
    return { ok: true, reason: `${args.mount}/ already has a signed intermediate CA (CN ${s.cn || '?'})`, data: { certificate: s.certificate } };
  },
  async apply(ctx, c) {
    if (c.kind === 'save') {
      await ctx.connection.writeFile(c.certFile, pemFile(c.certificate), { mode: 0o644 });
      return { certificate: c.certificate };
    }
    const t = connect(ctx, c.vault);
    const csr = String(dataOf(await call(t, (v) => v.write(`${c.mount}/intermediate/generate/internal`, c.generate)))['csr'] ?? '');
    if (!csr.includes('CERTIFICATE REQUEST')) fail(t, `${c.mount}/intermediate/generate/internal returned no CSR`);
    const signed = dataOf(await call(t, (v) => v.write(`${c.rootMount}/root/sign-intermediate`, { csr, ...c.sign })));
    const bundle = String(signed['certificate'] ?? '');
    await call(t, (v) => v.write(`${c.mount}/intermediate/set-signed`, { certificate: bundle }));
    const certificate = (/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(bundle) ?? [''])[0];
    if (c.certFile) await ctx.connection.writeFile(c.certFile, pemFile(certificate), { mode: 0o644 });
    return { serial_number: signed['serial_number'], expiration: signed['expiration'], certificate };
  },
});
