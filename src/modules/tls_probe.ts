/**
 * tls_probe: the certificate a TLS endpoint serves, as seen FROM THE HOST (openssl s_client
 * there, one process pipeline per task). Read-only: always ok, with the served certificate's
 * serial (Vault's colon format), subject, issuer, not_after and SANs registered. With `ca` the
 * chain is also verified (`verified`); `cert`/`key` present a client certificate (endpoints that
 * require one still show theirs, but some close early without it).
 */
import { shellQuote } from '../connection/connection.js';
import type { ArgsOf, ModuleContext } from './types.js';
import { defineModule, ModuleFailure } from './types.js';

const ARGS = {
  host: { type: 'str', default: 'localhost' },
  port: { type: 'int', required: true },
  servername: { type: 'str' },
  ca: { type: 'path', aliases: ['ca_path'] },
  cert: { type: 'path', aliases: ['client_cert'] },
  key: { type: 'path', aliases: ['client_key'] },
  timeout: { type: 'int', default: 10 },
} as const;

export type TlsProbeArgs = ArgsOf<typeof ARGS>;

export interface TlsProbeResult extends Record<string, unknown> {
  serial: string;
  serial_hex: string;
  subject: string;
  issuer: string;
  not_after: string;
  san: string[];
  verified: boolean | null;
  verify_message: string;
}

const MARK = '__orchestrate_tls_probe__';

export function probeCommand(a: TlsProbeArgs): string {
  const q = shellQuote;
  const sc = ['openssl s_client', `-connect ${q(`${a.host}:${a.port}`)}`];
  if (a.servername) sc.push(`-servername ${q(a.servername)}`);
  if (a.ca) sc.push(`-CAfile ${q(a.ca)}`);
  if (a.cert) sc.push(`-cert ${q(a.cert)}`);
  if (a.key) sc.push(`-key ${q(a.key)}`);
  const t = `timeout ${a.timeout}`;
  return [
    `out=$(${t} ${sc.join(' ')} </dev/null 2>&1)`,
    `printf '%s\\n' "$out" | grep -m1 'Verify return code' || true`,
    `echo ${MARK}`,
    `printf '%s\\n' "$out" | openssl x509 -noout -serial -subject -issuer -enddate -nameopt RFC2253 -ext subjectAltName 2>&1`,
  ].join('; ');
}

/** "ABCD01" → "ab:cd:01" (Vault's serial_number format). */
export function colonSerial(hex: string): string {
  const h = hex.toLowerCase().replace(/[^0-9a-f]/g, '');
  const even = h.length % 2 ? `0${h}` : h;
  return (even.match(/../g) ?? []).join(':');
}

/** Parses the probe's output; throws with the reason when no certificate was served. */
export function parseProbe(out: string, label: string): TlsProbeResult {
  const at = out.indexOf(MARK);
  const head = at >= 0 ? out.slice(0, at) : '';
  const body = at >= 0 ? out.slice(at + MARK.length) : out;
  const field = (name: string): string | undefined => new RegExp(`^${name}=\\s*(.*)$`, 'm').exec(body)?.[1]?.trim();
  const serial = field('serial');
  if (!serial) {
    const why = body.trim().split('\n').find((l) => /error|unable|refused|timeout|expecting/i.test(l)) ?? 'no certificate was served';
    throw new ModuleFailure(`${label}: no certificate: ${why.trim()}`, { serial: '', verified: null });
  }
  const sanLines = /X509v3 Subject Alternative Name:[^\n]*\n\s*(.*)/.exec(body)?.[1] ?? '';
  const san = sanLines.split(',').map((s) => s.trim()).filter(Boolean);
  const verify = /Verify return code: (\d+) \(([^)]*)\)/.exec(head);
  const notAfter = field('notAfter') ?? '';
  const parsed = Date.parse(notAfter);
  return {
    serial: colonSerial(serial),
    serial_hex: serial.toLowerCase(),
    subject: field('subject') ?? '',
    issuer: field('issuer') ?? '',
    not_after: Number.isNaN(parsed) ? notAfter : new Date(parsed).toISOString(),
    san,
    verified: verify ? verify[1] === '0' : null,
    verify_message: verify?.[2] ?? '',
  };
}

async function probe(ctx: ModuleContext, args: TlsProbeArgs): Promise<TlsProbeResult> {
  const label = `tls_probe(${args.host}:${args.port})`;
  const r = await ctx.connection.exec(probeCommand(args));
  if (/openssl: (command )?not found/.test(r.stdout + r.stderr)) throw new ModuleFailure(`${label}: openssl is not installed on the host`);
  const res = parseProbe(r.stdout, label);
  // Without a CA file openssl checks against the system store: not what was asked.
  return args.ca ? res : { ...res, verified: null, verify_message: '' };
}

export const tls_probe = defineModule({
  name: 'tls_probe',
  target: 'remote',
  checkMode: 'full',
  args: ARGS,
  validate: (args) => [
    ...(args.port > 0 && args.port < 65536 ? [] : [`port must be 1-65535, got ${args.port}`]),
    ...((args.cert === undefined) !== (args.key === undefined) ? ['cert and key must be given together'] : []),
  ],
  check: (ctx, args) => probe(ctx, args),
  plan: (res, args) => ({ ok: true, reason: `${args.host}:${args.port} serves serial ${res.serial} (${res.subject}, until ${res.not_after})`, data: res }),
});
