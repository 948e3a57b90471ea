#!/usr/bin/env node
// The bundle (scripts/bundle.mjs) and the oclif manifest only: no ts-node, no TypeScript, no dependency to resolve
// at run time (start-up is measured in bench/cli).
import { execute } from '../dist/bundle/oclif.js';

await execute({ dir: import.meta.url });
