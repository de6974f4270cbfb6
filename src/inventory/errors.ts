/**
 * Inventory problems: the same Problem and format as playbook problems (src/yaml), so a run
 * reports both together, each at file:line:column with its source line.
 */
import { LineIndex, ProblemList, ValidationError, formatProblem, type Problem } from '../yaml/index.js';

/** Loading an inventory failed; carries every problem found (the CLI exits with code 4). */
export class InventoryError extends ValidationError {
  constructor(problems: readonly (Problem | string)[]) {
    const list = problems.map((p) => (typeof p === 'string' ? { message: p } : p));
    super(list, new ProblemList().addAll(list).format());
    this.name = 'InventoryError';
  }

  /** Each problem formatted on its own: `file:line:column: message` and its source line. */
  get lines(): string[] {
    return this.problems.map((p) => formatProblem(p, p.text));
  }
}

/** A problem at a 1-based line and column of a file whose text is known. */
export function problemAt(file: string, text: string | undefined, line: number, column: number, message: string): Problem {
  return { pos: { file, line, column }, message, text };
}

/** Character offset -> 1-based line and column. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  return new LineIndex(text).locate(offset);
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
