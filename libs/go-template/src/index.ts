export {
  Template,
  dependencyKey,
  sensitive,
  type DependencyAnswers,
  type DependencyCall,
  type RenderOptions,
  type TemplateOptions,
} from './template.js';
export { GoTemplateError, MissingDependencyError, TemplateExecError, TemplateParseError } from './errors.js';
export type { MissingKey } from './exec.js';
export type { NumberMode } from './values.js';
export { NOT_LITERAL, type StaticArg, type StaticCall } from './calls.js';
