/**
 * A live region at the bottom of a terminal: permanent lines scroll above it, the region is
 * redrawn at most `fps` times a second (so its cost does not grow with the number of results),
 * lines are cut to the terminal's width so the cursor arithmetic stays right, and the cursor is
 * shown again however the process ends.
 */
export interface LiveOptions {
  write: (s: string) => void;
  columns: () => number;
  fps?: number;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Cut a line with colour codes to `width` visible characters. */
export function fit(line: string, width: number): string {
  if (line.replace(ANSI, '').length <= width) return line;
  let out = '';
  let seen = 0;
  for (let i = 0; i < line.length && seen < width - 1; ) {
    // eslint-disable-next-line no-control-regex
    const m = line[i] === '\x1b' ? /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i)) : null;
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    out += line[i++];
    seen++;
  }
  return `${out}…\x1b[0m`;
}

export class LiveRegion {
  private drawn = 0;
  private lines: () => string[] = () => [];
  private timer: NodeJS.Timeout | undefined;
  private readonly restore = (): void => this.o.write('\x1b[?25h');
  frames = 0;

  constructor(private readonly o: LiveOptions) {}

  /** What the region shows; called on every frame while the region is on. */
  show(lines: () => string[]): void {
    this.lines = lines;
    if (this.timer) return;
    this.o.write('\x1b[?25l');
    process.once('exit', this.restore);
    this.timer = setInterval(() => this.draw(), Math.round(1000 / (this.o.fps ?? 8)));
    this.timer.unref();
    this.draw();
  }

  /** Permanent output: goes above the region. */
  print(s: string): void {
    if (!s) return;
    this.o.write(this.clear() + s);
    this.drawn = 0;
    if (this.timer) this.draw();
  }

  /** Remove the region (its last frame is not kept) and stop drawing. */
  hide(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.o.write(this.clear() + '\x1b[?25h');
    this.drawn = 0;
    process.off('exit', this.restore);
  }

  private clear(): string {
    return this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
  }

  private draw(): void {
    const width = Math.max(20, this.o.columns() - 1);
    const lines = this.lines().map((l) => fit(l, width));
    this.o.write(this.clear() + lines.map((l) => `${l}\n`).join(''));
    this.drawn = lines.length;
    this.frames++;
  }
}
