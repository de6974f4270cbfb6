/**
 * Typed access to the parts of nunjucks the engine builds on (parser, transformer, compiler,
 * runtime, AST nodes). The public typings cover only the high-level API.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface NjNode {
  typename: string;
  lineno: number;
  colno: number;
  children?: NjNode[];
  [field: string]: unknown;
}

export type NodeCtor = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;

export interface NjFrame {
  lookup(name: string): unknown;
  set(name: string, value: unknown, resolveUp?: boolean): void;
  push(isolateWrites?: boolean): NjFrame;
  topLevel: boolean;
}

export interface NjCompiler {
  _emit(code: string): void;
  compile(node: unknown, frame: NjFrame): void;
  _compileExpression(node: unknown, frame: NjFrame): void;
  _compileAggregate(node: NjNode, frame: NjFrame, start: string, end: string): void;
  getCode(): string;
  [method: string]: unknown;
}

export type RenderCallback = (err: unknown, res: unknown) => void;
export type RootRenderFunc = (env: unknown, context: unknown, frame: NjFrame, runtime: Record<string, unknown>, cb: RenderCallback) => void;

interface CompilerModule {
  Compiler: new (name: string, throwOnUndefined: boolean) => NjCompiler;
}
interface ParserModule {
  parse(src: string, extensions: unknown[], opts: Record<string, unknown>): NjNode;
}
interface TransformerModule {
  transform(ast: NjNode, asyncFilters: string[], name: string): NjNode;
}
interface RuntimeModule {
  Frame: new () => NjFrame;
  [name: string]: unknown;
}

export const compilerModule = require('nunjucks/src/compiler') as CompilerModule;
export const parserModule = require('nunjucks/src/parser') as ParserModule;
export const transformerModule = require('nunjucks/src/transformer') as TransformerModule;
export const runtimeModule = require('nunjucks/src/runtime') as RuntimeModule;
export const nodes = require('nunjucks/src/nodes') as Record<string, NodeCtor>;

export function node(name: string): NodeCtor {
  const ctor = nodes[name];
  if (!ctor) throw new Error(`nunjucks has no ${name} node`);
  return ctor;
}
