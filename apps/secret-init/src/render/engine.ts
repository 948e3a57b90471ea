/**
 * One run's reads and renders, in consul-template's order: collect every Vault call of every
 * template (and every SECRET_ variable), fetch the distinct requests in parallel, repeat while
 * answers reveal new calls (a lookup used as another's argument), then render everything in
 * memory. Nothing is written here: the caller writes only when all of it succeeded.
 */
import { GoTemplateError, type DependencyCall } from '@secret-api/go-template';
import { FetchError, RenderError, VaultUnreachableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SecretVariable } from '../env/variables.js';
import { variableText } from '../env/variables.js';
import type { Fetcher } from './fetcher.js';
import { pickField, planCall, type FunctionContext, type PlannedRead } from './functions.js';
import type { ParsedTemplate } from './templates.js';

export interface RenderInput {
  templates: readonly ParsedTemplate[];
  variables: readonly SecretVariable[];
  context: FunctionContext;
  /** The template's dot. */
  data: Record<string, unknown>;
}

export interface RenderOutput {
  /** Rendered text by template source path. */
  files: Map<string, string>;
  /** Resolved SECRET_ variables by NAME. */
  variables: Map<string, string>;
}

const MAX_PASSES = 8;

/**
 * Answers for `Template.execute`. A failed call is "answered" by throwing its error from `get`:
 * the engine reports it at the call's file, line and column, with the function's name — and
 * withholds the text when an argument was itself a secret.
 */
class Answers extends Map<string, unknown> {
  constructor(private readonly failures: ReadonlyMap<string, Error>) {
    super();
  }
  override has(key: string): boolean {
    return super.has(key) || this.failures.has(key);
  }
  override get(key: string): unknown {
    const failure = this.failures.get(key);
    if (failure) throw failure;
    return super.get(key);
  }
  known(key: string): boolean {
    return super.has(key);
  }
}

export async function renderAll(input: RenderInput, fetcher: Fetcher, log: Logger): Promise<RenderOutput> {
  const failures = new Map<string, Error>();
  const answers = new Answers(failures);
  const variables = new Map<string, string>();

  // SECRET_ variables are known up front: they join the first round.
  const variableReads = input.variables.map((v) => ({
    variable: v,
    plan: {
      request: { method: 'GET' as const, path: v.path, idempotent: true, key: `GET ${v.path}` },
      extract: (env) => pickField(env, v.field, `${v.source}: GET ${v.path}`),
    } satisfies PlannedRead,
  }));
  const variablesDone = Promise.all(
    variableReads.map(async ({ variable, plan }) => {
      const outcome = await fetcher.fetch(plan.request);
      if (!outcome.ok) throw prefixed(outcome.error, variable.source);
      variables.set(variable.name, variableText(plan.extract(outcome.env)));
    }),
  );
  // Collected before awaiting, so a failing variable cannot leave an unhandled rejection.
  const variablesResult = variablesDone.then(
    () => null,
    (err: unknown) => err as Error,
  );

  for (let pass = 0; ; pass++) {
    if (pass === MAX_PASSES) {
      throw new RenderError(`templates still asked for new Vault reads after ${MAX_PASSES} rounds`);
    }
    const calls = new Map<string, DependencyCall>();
    for (const { template } of input.templates) {
      let found: DependencyCall[];
      try {
        found = template.collect(input.data, answers);
      } catch (err) {
        if (err instanceof GoTemplateError) throw new RenderError(err.message);
        throw err;
      }
      for (const c of found) {
        if (!answers.has(c.key)) calls.set(c.key, c);
      }
    }
    if (calls.size === 0) break;
    const roundStarted = Date.now();
    await Promise.all(
      [...calls.values()].map(async (call) => {
        let plan: PlannedRead;
        try {
          plan = planCall(call.name, call.args, input.context);
        } catch (err) {
          failures.set(call.key, err as Error);
          return;
        }
        const outcome = await fetcher.fetch(plan.request);
        if (!outcome.ok) {
          failures.set(call.key, outcome.error);
          return;
        }
        try {
          answers.set(call.key, plan.extract(outcome.env));
        } catch (err) {
          failures.set(call.key, err as Error);
        }
      }),
    );
    log.debug('fetched a round of Vault reads', { pass, calls: calls.size, ms: Date.now() - roundStarted });
    const unreachable = [...failures.values()].find((e) => e instanceof VaultUnreachableError);
    if (unreachable) throw unreachable;
  }

  const variableError = await variablesResult;
  if (variableError) throw variableError;

  const files = new Map<string, string>();
  const errors: string[] = [];
  for (const { source, template } of input.templates) {
    try {
      files.set(source.rel, template.execute(input.data, { answers }));
    } catch (err) {
      if (!(err instanceof GoTemplateError)) throw err;
      errors.push(err.message);
      log.error('template failed', { file: source.rel, error: err.message });
    }
  }
  if (errors.length > 0) {
    throw new RenderError(`${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more template errors)` : ''}`);
  }
  return { files, variables };
}

/**
 * How many distinct Vault requests the first round will send, known before the login: the SECRET_
 * variables and the templates' calls whose arguments need no answer. A hint only (how many
 * connections to open while the pod waits); anything wrong here is left for renderAll to report.
 */
export function firstRoundRequests(input: RenderInput): number {
  const keys = new Set<string>(input.variables.map((v) => `GET ${v.path}`));
  for (const { template } of input.templates) {
    let calls: DependencyCall[];
    try {
      calls = template.collect(input.data, new Map());
    } catch {
      continue;
    }
    for (const call of calls) {
      try {
        keys.add(planCall(call.name, call.args, input.context).request.key);
      } catch {
        // A bad call: renderAll reports it where it is.
      }
    }
  }
  return keys.size;
}

function prefixed(error: Error, source: string): Error {
  if (error instanceof FetchError) return new FetchError(`${source}: ${error.message}`);
  return error;
}
