/**
 * `vars_prompt`, as ansible-core's PlaybookExecutor and Display.do_var_prompt: each prompt of a
 * play whose variable no -e gives is asked on the terminal ("PROMPT [DEFAULT]: "; private
 * answers are not echoed; `confirm` asks twice until both agree); an empty answer takes the
 * default; the answer becomes a play variable (`unsafe: true`: never templated). Without a
 * terminal, a prompt with a default takes it (Ansible warns and does so too); one without a
 * default is an error naming the prompt's file:line:column, where Ansible would go on with None.
 */
import { randomBytes } from 'node:crypto';
import type { Playbook, VarPrompt } from '../playbook/model.js';
import { SHA_CRYPT, shaCrypt } from '../template/sha-crypt.js';
import { formatPosition } from '../yaml/index.js';
import { UnsafeString } from '../yaml/unsafe.js';

export interface PromptIO {
  isTTY: boolean;
  /** Ask one line; `hidden` turns echo off. Resolves undefined on end of input or Ctrl-C. */
  ask(message: string, hidden: boolean): Promise<string | undefined>;
  say(message: string): void;
}

export class PromptError extends Error {}

function messageOf(p: VarPrompt): string {
  if (p.prompt && p.default !== undefined) return `${p.prompt} [${String(p.default)}]: `;
  if (p.prompt) return `${p.prompt}: `;
  return `input for ${p.name}: `;
}

async function askOne(p: VarPrompt, io: PromptIO): Promise<unknown> {
  const where = p.pos ? `${formatPosition(p.pos)}: ` : '';
  if (!io.isTTY) {
    if (p.default !== undefined) return encrypted(p, p.default);
    throw new PromptError(`${where}vars_prompt "${p.name}" needs a terminal to ask on, and has no default; give it with -e ${p.name}=...`);
  }
  const msg = messageOf(p);
  let answer: string | undefined;
  for (;;) {
    answer = await io.ask(msg, p.private);
    if (answer === undefined) throw new PromptError(`vars_prompt "${p.name}": no answer (input ended)`);
    if (!p.confirm) break;
    const second = await io.ask(`confirm ${msg}`, p.private);
    if (second === undefined) throw new PromptError(`vars_prompt "${p.name}": no answer (input ended)`);
    if (second === answer) break;
    io.say('***** VALUES ENTERED DO NOT MATCH ****\n');
  }
  if (answer === '' && p.default !== undefined) return encrypted(p, p.default);
  const v = encrypted(p, answer);
  return p.unsafe && typeof v === 'string' ? new UnsafeString(v) : v;
}

/** `encrypt`: the value hashed as Ansible's do_encrypt with passlib (its default rounds; a random salt unless given). */
function encrypted(p: VarPrompt, v: unknown): unknown {
  if (!p.encrypt) return v;
  const { kind, salt, saltSize } = p.encrypt;
  const size = saltSize ?? SHA_CRYPT[kind].saltSize;
  const s = salt ?? Array.from(randomBytes(size), (b) => SALT_CHARS[b % SALT_CHARS.length]).join('');
  return shaCrypt(kind, String(v), s, SHA_CRYPT[kind].rounds);
}

const SALT_CHARS = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Ask every prompt of every play (in order) whose variable -e does not give; the answers become play vars. */
export async function askVarsPrompts(playbooks: Playbook[], extraVars: Record<string, unknown>, io: PromptIO): Promise<void> {
  for (const pb of playbooks) {
    for (const play of pb.plays) {
      for (const p of play.varsPrompt ?? []) {
        if (p.name in extraVars) continue;
        play.vars = { ...play.vars, [p.name]: await askOne(p, io) };
      }
    }
  }
}

/** The terminal: prompts on stderr (stdout may be --json), answers from stdin in raw mode for hidden input. */
export function terminalIO(): PromptIO {
  const stdin = process.stdin;
  const out = process.stderr;
  return {
    isTTY: stdin.isTTY === true,
    say: (m) => void out.write(m),
    ask: (message, hidden) =>
      new Promise((resolve) => {
        // the terminal stops echoing before the prompt shows, so an answer typed the moment it
        // appears is never echoed by the terminal itself
        stdin.setRawMode(true);
        out.write(message);
        let line = '';
        stdin.resume();
        const done = (v: string | undefined): void => {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          out.write('\n');
          resolve(v);
        };
        const onData = (chunk: Buffer): void => {
          for (const ch of chunk.toString('utf8')) {
            if (ch === '\r' || ch === '\n') return done(line);
            if (ch === '\u0003' || ch === '\u0004') return done(undefined);
            if (ch === '\u007f' || ch === '\b') {
              if (line.length > 0) {
                line = [...line].slice(0, -1).join('');
                if (!hidden) out.write('\b \b');
              }
              continue;
            }
            if (ch < ' ') continue;
            line += ch;
            if (!hidden) out.write(ch);
          }
        };
        stdin.on('data', onData);
      }),
  };
}
