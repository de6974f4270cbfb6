export { render, templateValue, evalExpression, evalCondition, hasTemplate, lookupVar, type Vars } from './engine.js';
export { lazyVars, lazyWithTop, markRaw } from './lazy.js';
export { TemplateError, UndefinedError } from './errors.js';
export { OMIT } from './globals.js';
export { pyStr, pyRepr, truthy } from './python.js';
export { UnsafeString, isUnsafe } from '../yaml/unsafe.js';
