#!/usr/bin/env node
// Writes deploy/schema/deployer.schema.json, the JSON Schema of deployer.yml, from the one definition in
// libs/contract (build it first: `npx tsc -b libs/contract/tsconfig.lib.json`). Editors (yaml-language-server's
// `# yaml-language-server: $schema=...`) and CI linters read it; a deployer-cli test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';
import { deployerYmlJsonSchema } from '@secret-api/contract';

const out = fileURLToPath(new URL('deployer.schema.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(deployerYmlJsonSchema(), null, 2)}\n`);
