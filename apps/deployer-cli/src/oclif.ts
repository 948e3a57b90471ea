/**
 * The one copy of @oclif/core the CLI runs with, bundled with the commands (scripts/bundle.mjs) so that the
 * binary, every command and hook share it, and the installed package needs no dependency from a registry.
 * bin/run.js starts the CLI through it; the in-process tests run commands through it.
 */
export { Config, Errors, execute, run } from '@oclif/core';
