/**
 * Jinja string literals unescape like Python: `\n`, `\t`, `\r`, `\\`, `\'`, `\"` are escapes and an
 * unknown escape keeps its backslash (`'\s'` is backslash-s, so `is search('^\s*tls')` works as in
 * Ansible). Nunjucks' lexer drops the backslash of unknown escapes; this replaces its string
 * reader once, when the template engine loads.
 */
import { createRequire } from 'node:module';

interface Tokenizer {
  forward(): void;
  current(): string;
  isFinished(): boolean;
  _parseString(delimiter: string): string;
}

const KNOWN: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

function parseString(this: Tokenizer, delimiter: string): string {
  this.forward();
  let str = '';
  while (!this.isFinished() && this.current() !== delimiter) {
    const cur = this.current();
    if (cur === '\\') {
      this.forward();
      const next = this.current();
      str += KNOWN[next] ?? `\\${next}`;
    } else str += cur;
    this.forward();
  }
  this.forward();
  return str;
}

const require = createRequire(import.meta.url);
const lexer = require('nunjucks/src/lexer') as { lex(src: string, opts: object): Tokenizer };
(Object.getPrototypeOf(lexer.lex('', {})) as Tokenizer)._parseString = parseString;
