/**
 * lookup('password', 'PATH length=N chars=... seed=... encrypt=...'), as ansible-core 2.14's
 * plugins/lookup/password.py: PATH (relative to the playbook directory) holds the password, made
 * on first use (directory 0700, file 0600) and read back afterwards; `/dev/null` makes a new one
 * every time. `seed` makes the choice reproducible (Python's random.Random(seed), so the same
 * password as Ansible's); `encrypt` (sha256_crypt, sha512_crypt) returns the hash and keeps the
 * salt in the file (`PASSWORD salt=SALT`), so the hash is stable too.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { str } from './args.js';
import { LookupError, parseKvTerm } from './lookups.js';
import { PyRandom } from './pyrandom.js';
import { SHA_CRYPT, shaCrypt } from './sha-crypt.js';

const VALID = new Set(['length', 'encrypt', 'chars', 'ident', 'seed']);
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
/** Python's string module constants (getattr(string, spec, spec)). */
const STRING_ATTRS: Record<string, string> = {
  ascii_letters: LOWER + UPPER,
  ascii_lowercase: LOWER,
  ascii_uppercase: UPPER,
  digits: '0123456789',
  hexdigits: '0123456789abcdefABCDEF',
  octdigits: '01234567',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  whitespace: ' \t\n\r\x0b\x0c',
};
STRING_ATTRS['printable'] = STRING_ATTRS['digits']! + STRING_ATTRS['ascii_letters']! + STRING_ATTRS['punctuation']! + STRING_ATTRS['whitespace']!;
const DEFAULT_CHARS = ['ascii_letters', 'digits', '.,:-_'];

interface Params {
  length: number;
  chars: string[];
  encrypt?: string;
  ident?: string;
  seed?: string;
}

function parseTerm(term: string, kw: Record<string, unknown>): { relpath: string; params: Params } {
  const sp = term.indexOf(' ');
  let relpath = term;
  let given: Record<string, string> = {};
  if (sp !== -1) {
    relpath = term.slice(0, sp);
    given = parseKvTerm(term.slice(sp + 1));
    if (given['_raw_params'] !== undefined) {
      relpath = `${relpath} ${given['_raw_params']}`;
      delete given['_raw_params'];
      if (!term.startsWith(relpath)) throw new LookupError('Unrecognized value after key=value parameters given to password lookup');
    }
  }
  const invalid = Object.keys(given).filter((k) => !VALID.has(k));
  if (invalid.length > 0) throw new LookupError(`Unrecognized parameter(s) given to password lookup: ${invalid.join(', ')}`);
  const opt = (k: string): unknown => given[k] ?? kw[k];
  const length = Number(opt('length') ?? 20);
  if (!Number.isInteger(length)) throw new LookupError(`invalid literal for int() with base 10: '${str(opt('length'))}'`);
  let chars: unknown = opt('chars') ?? DEFAULT_CHARS;
  if (typeof chars === 'string') {
    const list: string[] = chars.includes(',,') ? [','] : [];
    list.push(...chars.replace(/,,/g, ',').split(',').filter((c) => c));
    chars = list;
  }
  const params: Params = { length, chars: (chars as unknown[]).map(str) };
  for (const k of ['encrypt', 'ident', 'seed'] as const) if (opt(k) !== undefined && opt(k) !== null) params[k] = str(opt(k));
  return { relpath, params };
}

function candidateChars(specs: string[]): string {
  return specs.map((s) => STRING_ATTRS[s] ?? s).join('').replace(/["']/g, '');
}

function randomPassword(length: number, chars: string, seed?: string): string {
  const r = new PyRandom(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += r.choice(chars);
  return out;
}

/** _parse_content: `PASSWORD[ salt=SALT[ ident=IDENT]]`. */
function parseContent(content: string): { password: string; salt?: string; ident?: string } {
  const at = content.lastIndexOf(' salt=');
  if (at === -1) return { password: content };
  const rem = content.slice(at + 6);
  const password = content.slice(0, at);
  if (!rem) return { password };
  const id = rem.lastIndexOf(' ident=');
  return id === -1 ? { password, salt: rem } : { password, salt: rem.slice(0, id), ident: rem.slice(id + 7) };
}

function hashPassword(encrypt: string, password: string, salt: string): string {
  if (!(encrypt in SHA_CRYPT)) throw new LookupError(`encrypt=${encrypt} is not supported (sha256_crypt, sha512_crypt)`);
  const kind = encrypt as keyof typeof SHA_CRYPT;
  if (/[^./0-9A-Za-z]/.test(salt)) throw new LookupError('invalid characters in salt');
  return shaCrypt(kind, password, salt, SHA_CRYPT[kind].rounds);
}

export function passwordLookup(terms: string[], kw: Record<string, unknown>, basedir: string): string[] {
  return terms.map((term) => {
    const { relpath, params } = parseTerm(term, kw);
    const unquoted = relpath.replace(/^(['"])(.*)\1$/, '$2');
    const file = unquoted.startsWith('/') || unquoted.startsWith('~') ? unquoted.replace(/^~/, process.env['HOME'] ?? '~') : path.join(basedir, unquoted);
    const devnull = file === '/dev/null';
    const chars = candidateChars(params.chars);
    let content: string | undefined;
    if (!devnull && existsSync(file)) content = readFileSync(file, 'utf8').trimEnd();
    let changed = false;
    let password: string;
    let salt: string | undefined;
    if (content === undefined) {
      password = randomPassword(params.length, chars, params.seed);
      changed = true;
    } else ({ password, salt } = parseContent(content));
    const encrypt = params.encrypt;
    if (encrypt && !salt) {
      changed = true;
      const size = encrypt in SHA_CRYPT ? SHA_CRYPT[encrypt as keyof typeof SHA_CRYPT].saltSize : 8;
      salt = randomPassword(size, STRING_ATTRS['ascii_letters'] + STRING_ATTRS['digits']! + './');
    }
    if (changed && !devnull) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const text = !encrypt && !salt ? password : `${password} salt=${salt}`;
      writeFileSync(file, `${text}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    return encrypt ? hashPassword(encrypt, password, salt!) : password;
  });
}
