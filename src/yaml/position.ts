/** A place in a source file; line and column are 1-based. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

/** Maps character offsets of a text to 1-based line/column pairs. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) this.starts.push(i + 1);
      else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) this.starts.push(i + 1);
    }
  }

  /** Line and column (both 1-based) of a character offset. */
  locate(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** The text of a 1-based line, without its line break. */
export function lineOf(text: string, line: number): string | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  return lines[line - 1];
}
