/**
 * A string marked `!unsafe` in YAML: it is data, never a template. The template engine
 * returns its plain text without rendering it.
 */
export class UnsafeString {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }

  toJSON(): string {
    return this.value;
  }
}

export function isUnsafe(v: unknown): v is UnsafeString {
  return v instanceof UnsafeString;
}
