/**
 * Command construction (POSIX sh, env, cwd, sudo) and the interpretation of sudo's output.
 * With become, the command first prints a marker: everything before the marker is sudo's own
 * conversation (password prompt, errors), so sudo failures are never mistaken for the command's.
 */
import { randomBytes } from 'node:crypto';
import { shellQuote, type BecomeOptions } from '../connection.js';

export const SUDO_PROMPT = '[sudo via orchestrate] ';

export interface CommandParts {
  env?: Record<string, string>;
  cwd?: string;
}

/** The shell script: exports, cd, then the command. */
export function buildScript(command: string, parts: CommandParts = {}): string {
  let pre = '';
  for (const [k, v] of Object.entries(parts.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name "${k}"`);
    pre += `export ${k}=${shellQuote(v)}; `;
  }
  if (parts.cwd !== undefined) pre += `cd ${shellQuote(parts.cwd)} || exit 1; `;
  return pre + command;
}

export function newMarker(): string {
  return `ORCHESTRATE-BECOME-${randomBytes(8).toString('hex')}`;
}

/** `/bin/sh -c SCRIPT`, run by the remote user's login shell. */
export function plainCommand(script: string): string {
  return `/bin/sh -c ${shellQuote(script)}`;
}

/** `sudo -H -S [-n | -p PROMPT] -u USER -- /bin/sh -c 'echo MARKER; SCRIPT'`. */
export function sudoCommand(script: string, become: BecomeOptions, marker: string): string {
  const user = become.user || 'root';
  const mode = become.password !== undefined ? `-p ${shellQuote(SUDO_PROMPT)}` : '-n';
  const inner = `echo ${marker}\n${script}`;
  return `sudo -H -S ${mode} -u ${shellQuote(user)} -- /bin/sh -c ${shellQuote(inner)}`;
}

/**
 * `su USER -c 'stty -echo -onlcr; echo MARKER; exec /bin/sh -c SCRIPT </dev/null'`, run on a PTY
 * (su reads its password from the terminal). Ansible's su become plugin builds
 * `su FLAGS USER -c QUOTED_CMD`; the stty line keeps the PTY from echoing and from turning the
 * command's "\n" into "\r\n", and the command's stdin is /dev/null, not the terminal.
 */
export function suCommand(script: string, become: BecomeOptions, marker: string): string {
  const user = become.user || 'root';
  const inner = `stty -echo -onlcr 2>/dev/null; echo ${marker}; exec /bin/sh -c ${shellQuote(script)} </dev/null`;
  return `su ${shellQuote(user)} -c ${shellQuote(inner)}`;
}

/** Ansible's SU_PROMPT_LOCALIZATIONS (plugins/become/su.py). */
const SU_PROMPTS = [
  'Password', '암호', 'パスワード', 'Adgangskode', 'Contraseña', 'Contrasenya', 'Hasło', 'Heslo', 'Jelszó', 'Lösenord',
  'Mật khẩu', 'Mot de passe', 'Parola', 'Parool', 'Pasahitza', 'Passord', 'Passwort', 'Salasana', 'Sandi', 'Senha',
  'Wachtwoord', 'ססמה', 'Лозинка', 'Парола', 'Пароль', 'गुप्तशब्द', 'शब्दकूट', 'సంకేతపదము', 'හස්පදය', '密码', '密碼', '口令',
];

/** su.py check_password_prompt: the alternatives joined by "|", then ` ?(:|：) ?`, matched at the start. */
const SU_PROMPT_RE = new RegExp(`^(?:${SU_PROMPTS.map((p) => `(\\w+'s )?${p}`).join('|')} ?(:|：) ?)`, 'iu');

/** Whether a line of su's output (before the command started) is its password prompt. */
export function isSuPrompt(line: string): boolean {
  return SU_PROMPT_RE.test(line.replace(/^\r+/, ''));
}

/** su failed before the command started: the message Ansible gives ("Incorrect su password") or su's own line. */
export function suErrorMessage(kind: 'password-required' | 'incorrect-password' | 'other', become: BecomeOptions, host: string, output: string): string {
  const who = `su to ${become.user || 'root'} on ${host}`;
  if (kind === 'password-required') return `become: ${who} needs a password; set ansible_become_password`;
  if (kind === 'incorrect-password') return `become: ${who} failed: Incorrect su password`;
  const line = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !isSuPrompt(l)).pop();
  return `become: ${who} failed: ${line || 'no output'}`;
}

export type SudoFailure = 'password-required' | 'incorrect-password' | 'not-allowed' | 'no-sudo' | 'other';

/** Classify sudo's stderr when the command never started (no marker seen). */
export function classifySudoError(stderr: string, promptsSeen: number): SudoFailure {
  if (/a password is required|no tty present|a terminal is required/i.test(stderr)) return 'password-required';
  if (promptsSeen > 1 || /incorrect password|sorry, try again/i.test(stderr)) return 'incorrect-password';
  if (/not in the sudoers|not allowed to (execute|run)|may not run sudo/i.test(stderr)) return 'not-allowed';
  if (/sudo: (command )?not found|sudo: No such file/i.test(stderr)) return 'no-sudo';
  return 'other';
}

export function sudoErrorMessage(kind: SudoFailure, become: BecomeOptions, host: string, stderr: string): string {
  const who = `sudo to ${become.user || 'root'} on ${host}`;
  switch (kind) {
    case 'password-required':
      return `become: ${who} needs a password; set ansible_become_password (or allow NOPASSWD for this user)`;
    case 'incorrect-password':
      return `become: ${who} failed: incorrect sudo password`;
    case 'not-allowed':
      return `become: ${who} is not allowed for this user: ${firstLine(stderr)}`;
    case 'no-sudo':
      return `become: sudo is not installed on ${host}`;
    default:
      return `become: ${who} failed: ${firstLine(stderr) || 'no output'}`;
  }
}

function firstLine(s: string): string {
  return stripSudoNoise(s).split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** Remove our prompt and sudo's retry lines from stderr. */
export function stripSudoNoise(s: string): string {
  return s.split(SUDO_PROMPT).join('').replace(/^Sorry, try again\.\n?/gm, '');
}
