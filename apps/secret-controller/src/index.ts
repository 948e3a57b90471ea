/** secret-controller as a library: start it in-process (tests, benchmarks). */
export { startController, CURSOR_ANNOTATION, type RunningController, type ControllerOptions } from './controller.js';
export { parseConfig, ConfigError, ANNOTATIONS, type Config } from './config.js';
export { createLogger, type Logger } from './log.js';
