#!/usr/bin/env node
// Compiled JavaScript and the oclif manifest only: no ts-node, no TypeScript at run time (start-up is measured
// in bench/cli).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
