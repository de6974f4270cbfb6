/**
 * Problem reports that point at the user's line:
 *
 *   playbooks/mtls.yml:42:7: unknown module "coppy" (did you mean "copy"?)
 *      42 |       coppy:
 *         |       ^
 */
import { isAbsolute, relative } from 'node:path';
import { lineOf, type Position } from './position.js';

export interface Problem {
  pos?: Position | undefined;
  message: string;
  /** Do not show the source line (it holds a secret). */
  hideLine?: boolean | undefined;
  /** The text of the problem's file, when the list it joins has not registered it. */
  text?: string | undefined;
}

const MAX_LINE = 200;

/** A path as the user would type it: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel !== '' && rel.length < file.length ? rel : file;
}

export function formatPosition(pos: Position): string {
  return `${displayPath(pos.file)}:${pos.line}:${pos.column}`;
}

export function formatProblem(p: Problem, sourceText?: string): string {
  if (!p.pos) return p.message;
  const head = `${formatPosition(p.pos)}: ${p.message}`;
  if (p.hideLine || sourceText === undefined) return head;
  const line = lineOf(sourceText, p.pos.line);
  if (line === undefined) return head;
  const shown = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line;
  const num = String(p.pos.line).padStart(5);
  const gutter = ' '.repeat(num.length);
  const col = Math.max(1, Math.min(p.pos.column, shown.length + 1));
  const pad = shown.slice(0, col - 1).replace(/[^\t]/g, ' ');
  return `${head}\n${num} | ${shown}\n${gutter} | ${pad}^`;
}

/** Collects every problem found while validating, to report them all at once. */
export class ProblemList {
  readonly problems: Problem[] = [];
  private readonly sources = new Map<string, string>();

  /** Register a file's text so problems in it show the offending line. */
  addSource(file: string, text: string): this {
    this.sources.set(file, text);
    return this;
  }

  add(pos: Position | undefined, message: string, opts: { hideLine?: boolean } = {}): this {
    this.problems.push({ pos, message, hideLine: opts.hideLine });
    return this;
  }

  /** Take problems found elsewhere (an inventory, say), with their source texts. */
  addAll(problems: readonly Problem[]): this {
    for (const p of problems) {
      this.problems.push(p);
      if (p.pos && p.text !== undefined && !this.sources.has(p.pos.file)) this.sources.set(p.pos.file, p.text);
    }
    return this;
  }

  get hasErrors(): boolean {
    return this.problems.length > 0;
  }

  /** Drop the problems added after the first `keep` (they are reported elsewhere); returns them. */
  takeFrom(keep: number): Problem[] {
    return this.problems.splice(keep);
  }

  get size(): number {
    return this.problems.length;
  }

  /** All problems, ordered by file and position, each with its source line. */
  format(): string {
    return sortProblems(this.problems)
      .map((p) => formatProblem(p, p.pos ? (this.sources.get(p.pos.file) ?? p.text) : undefined))
      .join('\n');
  }

  /** Throw a ValidationError carrying every problem, if there is any. */
  throwIfAny(): void {
    if (this.hasErrors) throw new ValidationError(this.problems, this.format());
  }
}

/** Validation failed; carries all problems (the CLI exits with code 4). */
export class ValidationError extends Error {
  constructor(
    readonly problems: readonly Problem[],
    formatted?: string,
  ) {
    const text = formatted ?? problems.map((p) => formatProblem(p, p.text)).join('\n');
    super(text);
    this.name = 'ValidationError';
  }
}

function sortProblems(list: readonly Problem[]): Problem[] {
  const files: string[] = [];
  for (const p of list) if (p.pos && !files.includes(p.pos.file)) files.push(p.pos.file);
  const rank = (p: Problem): number => (p.pos ? files.indexOf(p.pos.file) : files.length);
  return list
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || line(a.p) - line(b.p) || col(a.p) - col(b.p) || a.i - b.i)
    .map((x) => x.p);
}

const line = (p: Problem): number => p.pos?.line ?? 0;
const col = (p: Problem): number => p.pos?.column ?? 0;
