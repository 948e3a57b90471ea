/**
 * The programs' Dockerfiles. No Docker engine runs here, so they are checked statically: dockerfile-utils (the
 * linter of the Docker language server) finds no problem, and a parse with dockerfile-ast shows the rules we build
 * images by — multi-stage, a slim or distroless Node 20 base pinned to a tag that is not `latest`, a non-root USER
 * before the program starts, and a final stage that copies from the build stage exactly what the program runs: its
 * compiled workspaces (derived from the package.json files, so a new import that is not copied fails here), the
 * production-only node_modules (`npm ci --omit=dev -w <program>`), and nothing else. A program that ships as one
 * esbuild bundle (its package.json has a `bundle` script: the pod-side programs, which must start fast and stay
 * small) ships its package.json, its bin and the bundle under its dist/, no node_modules at all; that the bundle runs
 * alone is each program's own test (e.g. secret-init's test/image.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/tools.js';
import { runtimeClosure } from './support/workspaces.js';

const PROGRAMS = ['apps/secret-api', 'apps/secret-controller', 'apps/secret-init', 'apps/secret-refresh'];

/** Extra run-time files beyond package.json, dist/ and bin/. */
const EXTRA_FILES: Record<string, string[]> = { prisma: ['migrations/', 'schema.prisma'] };

interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

function stages(text: string): Stage[] {
  const file = DockerfileParser.parse(text);
  const args = new Map(
    file.getInitialARGs().flatMap((a) => {
      const p = a.getProperty();
      return p?.getName() && p.getValue() !== null ? [[p.getName(), p.getValue() as string] as const] : [];
    }),
  );
  const out: Stage[] = [];
  for (const instruction of file.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = file.getFROMs().find((f) => f.getRange().start.line === instruction.getRange().start.line);
      const image = (from?.getImage() ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? '');
      out.push({ image, name: from?.getBuildStage() ?? null, instructions: [] });
    } else {
      out.at(-1)?.instructions.push(instruction);
    }
  }
  return out;
}

const words = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const runText = (stage: Stage) =>
  stage.instructions
    .filter((i) => i.getKeyword() === 'RUN')
    .map((i) => i.getArgumentsContent() ?? '')
    .join('\n');

/** A program built into one esbuild bundle: its package.json has a `bundle` script. */
function isBundled(program: string): boolean {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, program, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return pkg.scripts?.['bundle'] !== undefined;
}

/** The paths the stage copies from the build stage, relative to /app; every copy must come from that stage. */
function copiedSources(stage: Stage, buildStage: string | null): string[] {
  const sources: string[] = [];
  for (const copy of stage.instructions.filter((i) => i.getKeyword() === 'COPY' || i.getKeyword() === 'ADD')) {
    expect(copy.getKeyword()).toBe('COPY');
    expect((copy as Copy).getFromFlag()?.getValue()).toBe(buildStage);
    sources.push(
      ...words(copy)
        .slice(0, -1)
        .map((p) => p.replace(/^\/app\//, '')),
    );
  }
  return sources;
}

for (const program of PROGRAMS) {
  describe(`${program}/Dockerfile`, () => {
    const text = readFileSync(join(REPO_ROOT, program, 'Dockerfile'), 'utf8');
    const closure = runtimeClosure(program);
    const all = stages(text);
    const final = all.at(-1) as Stage;

    it('has no problem the Dockerfile linter knows of', () => {
      expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    });

    it('builds in one stage and ships from a slim Node 20 base pinned to a tag other than latest', () => {
      expect(all.length).toBeGreaterThanOrEqual(2);
      for (const stage of all) {
        expect(stage.image).toMatch(
          /^(node:20(\.\d+)*-(bookworm-)?slim|gcr\.io\/distroless\/nodejs20-debian12(:nonroot)?)(@sha256:[0-9a-f]{64})?$/,
        );
        expect(stage.image).not.toMatch(/:latest\b/);
      }
    });

    it('starts the program as a non-root user', () => {
      const keywords = final.instructions.map((i) => i.getKeyword());
      const user = final.instructions.filter((i) => i.getKeyword() === 'USER').at(-1);
      expect(user).toBeDefined();
      expect(words(user as Instruction)[0]).not.toMatch(/^(root|0)(:.*)?$/);
      const start = Math.max(keywords.lastIndexOf('ENTRYPOINT'), keywords.lastIndexOf('CMD'));
      expect(keywords.lastIndexOf('USER')).toBeLessThan(start);
      expect(keywords).not.toContain('RUN');
      const command = final.instructions[start]?.getArgumentsContent() ?? '';
      for (const bin of closure.bin) expect(command).toContain(bin);
    });

    const bundled = isBundled(program);

    if (bundled)
      it('ships its bundle, bin and package.json, and no node_modules', () => {
        const sources = copiedSources(final, all[0]?.name ?? null);
        const own = sources.filter((p) => p.startsWith(`${program}/`)).map((p) => p.slice(program.length + 1));
        expect(sources.filter((p) => !p.startsWith(`${program}/`))).toEqual(
          sources.includes('package.json') ? ['package.json'] : [],
        );
        expect(own).toContain('package.json');
        expect(own).toContain('bin/');
        expect(own.filter((p) => p.startsWith('dist/'))).not.toEqual([]);
        expect(own.every((p) => p === 'package.json' || p === 'bin/' || p.startsWith('dist/'))).toBe(true);
        expect(final.instructions.map((i) => words(i).join(' ')).join('\n')).not.toContain('node_modules');
        expect(runText(all[0] as Stage)).toMatch(
          new RegExp(`npm run (bundle|build) -w ${closure.name.replace('/', '\\/')}\\b`),
        );
      });

    if (!bundled) {
      it('copies into the image exactly the compiled workspaces the program imports and their production dependencies', () => {
        const sources = copiedSources(final, all[0]?.name ?? null);
        const expected = ['package.json'];
        if (closure.hasExternalDependencies) expected.push('node_modules/');
        for (const ws of closure.workspaces) {
          expected.push(`${ws}/package.json`, `${ws}/dist/`);
          if (ws === program) expected.push(`${ws}/bin/`);
          if (closure.nestedNodeModules.includes(ws)) expected.push(`${ws}/node_modules/`);
          for (const extra of EXTRA_FILES[ws] ?? []) expected.push(`${ws}/${extra}`);
        }
        expect(sources.sort()).toEqual(expected.sort());
      });

      it('installs only production dependencies for what it ships', () => {
        const build = runText(all[0] as Stage);
        if (closure.hasExternalDependencies) {
          expect(build).toMatch(new RegExp(`npm ci --omit=dev [^\\n]*-w ${closure.name.replace('/', '\\/')}\\b`));
        } else {
          expect(final.instructions.map((i) => words(i).join(' ')).join('\n')).not.toContain('node_modules');
        }
      });
    }
  });
}
