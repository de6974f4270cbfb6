/** Typed syntax tree for HCL configuration files (Nomad agent, consul-template, Vault policies). */

export interface HclPos {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** 0-based character offset. */
  offset: number;
}

export interface HclString {
  kind: 'string';
  /** Decoded value; `${...}` and `%{...}` sequences are kept literally. */
  value: string;
  heredoc: boolean;
  pos: HclPos;
}

export interface HclNumber {
  kind: 'number';
  /** Source text as written, e.g. `0700`, `1.5e3`. */
  raw: string;
  /** Numeric value; a leading-zero integer is octal as in HCL1 (`0700` = 448). */
  value: number;
  pos: HclPos;
}

export interface HclBool {
  kind: 'bool';
  value: boolean;
  pos: HclPos;
}

export interface HclNull {
  kind: 'null';
  pos: HclPos;
}

export interface HclList {
  kind: 'list';
  items: HclExpr[];
  pos: HclPos;
}

export interface HclObject {
  kind: 'object';
  entries: HclAttribute[];
  pos: HclPos;
}

export type HclExpr = HclString | HclNumber | HclBool | HclNull | HclList | HclObject;

export interface HclAttribute {
  kind: 'attribute';
  key: string;
  value: HclExpr;
  pos: HclPos;
}

export interface HclBlock {
  kind: 'block';
  type: string;
  labels: string[];
  body: HclBody;
  pos: HclPos;
}

export interface HclBody {
  kind: 'body';
  items: Array<HclAttribute | HclBlock>;
  pos: HclPos;
}

/** A parsed file: the root body plus the file name used in positions and errors. */
export interface HclFile {
  file: string;
  body: HclBody;
}

export class HclError extends Error {
  constructor(
    readonly file: string,
    readonly pos: HclPos,
    readonly reason: string,
  ) {
    super(`${file}:${pos.line}:${pos.column}: ${reason}`);
    this.name = 'HclError';
  }
}
