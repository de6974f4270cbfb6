/** A variable or attribute that does not exist was used: `'foo' is undefined`. */
export class UndefinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndefinedError';
  }
}

/**
 * Rendering or evaluating failed. `message` names the expression and the cause:
 * `template "{{ foo.bar }}": 'foo' is undefined`.
 */
export class TemplateError extends Error {
  constructor(
    /** The template or expression text (shortened when long). */
    readonly source: string,
    /** What went wrong, e.g. `'foo' is undefined`. */
    readonly reason: string,
    /** 1-based line inside the template, when known and the template has several lines. */
    readonly line?: number,
    kind = 'template',
  ) {
    super(`${kind} ${quoteSource(source)}${line ? ` line ${line}` : ''}: ${reason}`);
    this.name = 'TemplateError';
  }
}

function quoteSource(s: string): string {
  const one = s.includes('\n') ? `${s.split('\n')[0]!}...` : s;
  return JSON.stringify(one.length > 80 ? `${one.slice(0, 77)}...` : one);
}
