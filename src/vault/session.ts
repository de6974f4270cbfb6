/**
 * Per-run Vault state shared by the local Vault modules (owned by src/vault).
 * Connection settings resolve as the vault CLI does: module args (vault_addr, token) > task/play
 * vars (vault_addr, vault_token, vault_cacert, vault_namespace) > the token learned in this run
 * (root token after vault_init/vault_unseal) > VAULT_* env > ~/.vault-token.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { VaultClient } from './client.js';

export interface VaultSettings {
  addr: string;
  token?: string;
  cacert?: string;
  namespace?: string;
  secretsFile: string;
  /** VAULT_SKIP_VERIFY / vault_skip_verify: do not verify Vault's TLS certificate. */
  skipVerify?: boolean;
  /** Why VAULT_SKIP_VERIFY / vault_skip_verify could not be read (the client is then refused). */
  skipVerifyError?: string;
  /** Where the token came from, for error messages (never the token itself). */
  tokenSource?: string;
}

/**
 * The per-task connection arguments of every vault_* module, declared once: the modules spread
 * them into their argument schema, and `VaultArgs`, what settings() reads, is derived from them.
 */
export const CONNECTION_ARGS = {
  vault_addr: { type: 'str' },
  token: { type: 'str', secret: true },
  vault_cacert: { type: 'path' },
  vault_namespace: { type: 'str' },
} as const;

/** The local secrets file (unseal keys, root token): an argument of vault_init and vault_unseal only. */
export const SECRETS_FILE_ARG = { secrets_file: { type: 'path' } } as const;

/** Per-task overrides given as module arguments (all 'str' or 'path': strings, all optional). */
export type VaultArgs = { -readonly [K in keyof typeof CONNECTION_ARGS | keyof typeof SECRETS_FILE_ARG]?: string };

export const DEFAULT_ADDR = 'https://127.0.0.1:8200';
/** Run outputs live in the state directory `.orchestrate/` of the directory orchestrate runs in. */
export const DEFAULT_SECRETS_FILE = '.orchestrate/vault-secrets.json';
/** Where earlier versions kept it: still read when only that one exists. */
const OLD_SECRETS_FILE = '.vault-secrets.json';

/** Go's strconv.ParseBool, which the vault CLI and its API client use for VAULT_SKIP_VERIFY. */
const GO_BOOL: Record<string, boolean> = { '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false };

export function parseGoBool(value: string): boolean | undefined {
  return Object.hasOwn(GO_BOOL, value) ? GO_BOOL[value] : undefined;
}

/** vault_skip_verify (a boolean, or a string read as VAULT_SKIP_VERIFY is) > VAULT_SKIP_VERIFY. */
function skipVerify(vars: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): Pick<VaultSettings, 'skipVerify' | 'skipVerifyError'> {
  const v = vars['vault_skip_verify'];
  if (typeof v === 'boolean') return { skipVerify: v };
  const [raw, from] = v !== undefined && v !== null && v !== '' ? [String(v), 'vault_skip_verify'] : [env['VAULT_SKIP_VERIFY'] ?? '', 'VAULT_SKIP_VERIFY'];
  if (raw === '') return {};
  const b = parseGoBool(raw);
  if (b === undefined) return { skipVerifyError: `could not parse ${from}=${JSON.stringify(raw)}: expected true or false (1, t, TRUE, 0, f, FALSE, ...), as the vault CLI reads it` };
  return { skipVerify: b };
}

function strVar(vars: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = vars[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export class VaultSession {
  /** Token learned during this run (root token after vault_init/unseal). */
  sessionToken: string | undefined;
  private readonly clients = new Map<string, VaultClient>();

  constructor(
    readonly env: NodeJS.ProcessEnv = process.env,
    /** Base directory for relative paths (secrets file); the current directory by default. */
    readonly cwd: string = process.cwd(),
  ) {}

  private tokenFile(): string | undefined {
    const home = this.env['HOME'] || homedir();
    const f = join(home, '.vault-token');
    try {
      return existsSync(f) ? readFileSync(f, 'utf8').trim() || undefined : undefined;
    } catch {
      return undefined;
    }
  }

  private defaultSecretsFile(): string {
    return !existsSync(this.resolvePath(DEFAULT_SECRETS_FILE)) && existsSync(this.resolvePath(OLD_SECRETS_FILE)) ? OLD_SECRETS_FILE : DEFAULT_SECRETS_FILE;
  }

  resolvePath(p: string): string {
    return isAbsolute(p) ? p : resolve(this.cwd, p);
  }

  settings(vars: Readonly<Record<string, unknown>>, args: VaultArgs = {}): VaultSettings {
    const env = (k: string): string | undefined => (this.env[k] && this.env[k]!.trim() !== '' ? this.env[k]!.trim() : undefined);
    const sources: [string | undefined, string][] = [
      [args.token, 'the token argument'],
      [strVar(vars, 'vault_token'), 'the vault_token variable'],
      [this.sessionToken, 'the root token from vault_init'],
      [env('VAULT_TOKEN'), 'VAULT_TOKEN'],
      [this.tokenFile(), '~/.vault-token'],
    ];
    const tok = sources.find(([t]) => t !== undefined);
    const s: VaultSettings = {
      addr: (args.vault_addr ?? strVar(vars, 'vault_addr') ?? env('VAULT_ADDR') ?? DEFAULT_ADDR).replace(/\/+$/, ''),
      secretsFile: this.resolvePath(args.secrets_file ?? strVar(vars, 'vault_secrets_file') ?? this.defaultSecretsFile()),
    };
    if (tok) {
      s.token = tok[0];
      s.tokenSource = tok[1];
    }
    const cacert = args.vault_cacert ?? strVar(vars, 'vault_cacert') ?? env('VAULT_CACERT');
    if (cacert) s.cacert = this.resolvePath(cacert);
    const ns = args.vault_namespace ?? strVar(vars, 'vault_namespace') ?? env('VAULT_NAMESPACE');
    if (ns) s.namespace = ns;
    return { ...s, ...skipVerify(vars, this.env) };
  }

  /** A client for these settings (cached per address/token/CA/namespace). */
  client(s: VaultSettings): VaultClient {
    if (s.skipVerifyError) throw new Error(s.skipVerifyError);
    const key = JSON.stringify([s.addr, s.token ?? '', s.cacert ?? '', s.namespace ?? '', s.skipVerify === true]);
    let c = this.clients.get(key);
    if (!c) {
      let ca: string | undefined;
      if (s.cacert) {
        try {
          ca = readFileSync(s.cacert, 'utf8');
        } catch (e) {
          throw new Error(`cannot read the Vault CA certificate ${s.cacert}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
      c = new VaultClient({ addr: s.addr, insecure: s.skipVerify === true, ...(s.token ? { token: s.token } : {}), ...(ca ? { ca } : {}), ...(s.namespace ? { namespace: s.namespace } : {}) });
      this.clients.set(key, c);
    }
    return c;
  }
}
