/** Errors raised while loading an inventory; every problem names file:line:column when known. */
export class InventoryError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} inventory problems:\n${problems.join('\n')}`);
    this.name = 'InventoryError';
    this.problems = problems;
  }
}

/** A problem at a position in a text file (line and column are 1-based). */
export function problemAt(file: string, text: string | undefined, line: number, column: number, message: string): string {
  const head = `${file}:${line}:${column}: ${message}`;
  if (text === undefined) return head;
  const src = text.split(/\r?\n/)[line - 1];
  if (src === undefined) return head;
  const shown = src.length > 200 ? `${src.slice(0, 200)}...` : src;
  const caretCol = Math.max(0, Math.min(column - 1, shown.length));
  return `${head}\n  ${shown}\n  ${' '.repeat(caretCol)}^`;
}

/** Byte offset -> 1-based line and column. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}
