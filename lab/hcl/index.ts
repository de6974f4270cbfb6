export { HclError } from './ast.js';
export type { HclAttribute, HclBlock, HclBody, HclExpr, HclFile, HclPos } from './ast.js';
export { parseHcl } from './parser.js';
export { hclToValue, asList, exprValue } from './value.js';
export type { HclValue, HclObjectValue } from './value.js';
export { formatHcl, hclRaw, hclOctal, hclLabeled, HclRaw, HclLabeled, quote } from './format.js';
export type { FormatOptions } from './format.js';

import { parseHcl } from './parser.js';
import { hclToValue, type HclObjectValue } from './value.js';

/** Parses HCL text straight to a plain object (see `hclToValue`). */
export function parseHclValue(text: string, file = '<input>'): HclObjectValue {
  return hclToValue(parseHcl(text, file));
}
