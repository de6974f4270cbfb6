export { loadYamlFile, parseYaml, YamlError, type YamlDoc } from './loader.js';
export { type Position, LineIndex } from './position.js';
export { formatProblem, formatPosition, displayPath, ProblemList, ValidationError, type Problem } from './errors.js';
export { UnsafeString, isUnsafe } from './unsafe.js';
