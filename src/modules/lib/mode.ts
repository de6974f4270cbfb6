/**
 * File modes as Ansible takes them: an int is the numeric mode as-is (YAML 1.1 `0644` is 420 =
 * 0o644; a bare `644` is 0o1204), a string of octal digits is octal ("0644", "644"), anything else
 * is a symbolic mode ("u=rw,g=r,o=r", "u+x", "a-w", "g=u") applied to the current mode, and
 * "preserve" keeps the source's mode (copy/template).
 */

/** A validated mode argument: a numeric mode, or a symbolic / "preserve" string. */
export type ModeArg = number | string;

const SYMBOLIC_CLAUSE = /^([ugoa]*)([-+=])([rwxXst]*|[ugo])$/;

/** Normalize a raw mode value; throws with a message for an invalid one. */
export function parseModeArg(v: unknown): ModeArg {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0o7777) throw new Error(`invalid mode ${v}`);
    return v;
  }
  if (typeof v !== 'string') throw new Error('mode must be an octal string, a number or a symbolic mode');
  const s = v.trim();
  if (/^[0-7]{1,5}$/.test(s)) {
    const n = parseInt(s, 8);
    if (n > 0o7777) throw new Error(`invalid mode "${s}"`);
    return n;
  }
  if (s === 'preserve') return s;
  for (const clause of s.split(',')) {
    if (!SYMBOLIC_CLAUSE.test(clause)) throw new Error(`invalid mode "${s}": expected octal like "0644" or symbolic like "u=rw,g=r,o=r"`);
  }
  return s;
}

/** "0644" style. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007 };

function permBits(perms: string, current: number, isDir: boolean): number {
  let bits = 0;
  for (const p of perms) {
    if (p === 'r') bits |= 0o444;
    else if (p === 'w') bits |= 0o222;
    else if (p === 'x') bits |= 0o111;
    else if (p === 'X') bits |= isDir || (current & 0o111) !== 0 ? 0o111 : 0;
    else if (p === 's') bits |= 0o6000;
    else if (p === 't') bits |= 0o1000;
  }
  return bits;
}

function copyBits(src: 'u' | 'g' | 'o', current: number): number {
  const shift = { u: 6, g: 3, o: 0 }[src];
  const rwx = (current >> shift) & 7;
  return (rwx << 6) | (rwx << 3) | rwx;
}

/** Apply a symbolic mode to a current mode (as chmod does, but without umask, like Ansible). */
export function applySymbolic(spec: string, current: number, isDir: boolean): number {
  let mode = current & 0o7777;
  for (const clause of spec.split(',')) {
    const m = SYMBOLIC_CLAUSE.exec(clause);
    if (!m) throw new Error(`invalid mode "${spec}"`);
    const who = m[1] === '' || m[1]!.includes('a') ? 'ugo' : m[1]!;
    let mask = 0;
    for (const w of who) mask |= WHO[w]!;
    const perms = m[3]!;
    const bits = (perms === 'u' || perms === 'g' || perms === 'o' ? copyBits(perms, mode) : permBits(perms, mode, isDir)) & mask;
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else mode = (mode & ~mask) | bits;
  }
  return mode & 0o7777;
}

/**
 * The mode a path should end up with: undefined when the argument leaves it alone.
 * `current` is the existing mode (or the default for a new path).
 */
export function resolveMode(arg: ModeArg | undefined, current: number | undefined, isDir: boolean, preserveFrom?: number): number | undefined {
  if (arg === undefined) return undefined;
  if (typeof arg === 'number') return arg;
  if (arg === 'preserve') return preserveFrom;
  return applySymbolic(arg, current ?? (isDir ? 0o755 : 0o644), isDir);
}
