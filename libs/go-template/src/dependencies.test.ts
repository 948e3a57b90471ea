import { describe, expect, it } from 'vitest';
import { MissingDependencyError, Template, TemplateExecError, dependencyKey, type DependencyCall } from './index.js';

const VAULT: Record<string, unknown> = {
  DB_USER: 'app',
  DB_PASSWORD: 's3cr3t',
  FEATURES: ['a', 'b'],
  MODE: 'tls',
  CERT: '-----BEGIN CERT-----',
  NEXT: 'DB_USER',
};

function template(src: string): Template {
  return new Template('app.conf').dependencies(['lookup', 'tlsCert']).parse(src);
}

/** A fake fetcher that records each batch, to check de-duplication and parallel rounds. */
function fetcher() {
  const rounds: string[][] = [];
  let pending: string[] = [];
  let scheduled = false;
  const resolve = async (call: DependencyCall): Promise<unknown> => {
    pending.push(call.key);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(() => {
        rounds.push(pending);
        pending = [];
        scheduled = false;
      });
    }
    await Promise.resolve();
    return call.name === 'tlsCert' ? VAULT.CERT : VAULT[call.args[0] as string];
  };
  return { rounds, resolve };
}

describe('two-pass dependency functions', () => {
  it('collects every dependency call once, with its arguments', () => {
    const t = template(
      'u={{lookup "DB_USER"}} p={{lookup "DB_PASSWORD"}} again={{lookup "DB_USER"}} {{tlsCert "web" 2}}',
    );
    const calls = t.collect({});
    expect(calls).toEqual([
      { name: 'lookup', args: ['DB_USER'], key: dependencyKey('lookup', ['DB_USER']) },
      { name: 'lookup', args: ['DB_PASSWORD'], key: dependencyKey('lookup', ['DB_PASSWORD']) },
      { name: 'tlsCert', args: ['web', 2], key: dependencyKey('tlsCert', ['web', 2]) },
    ]);
  });

  it('renders with the answers', () => {
    const t = template('u={{lookup "DB_USER"}} p={{lookup "DB_PASSWORD" | printf "%q"}}');
    const answers = new Map(t.collect({}).map((c) => [c.key, VAULT[c.args[0] as string]]));
    expect(t.execute({}, { answers })).toBe('u=app p="s3cr3t"');
  });

  it('refuses to execute when an answer is missing', () => {
    const t = template('{{lookup "DB_USER"}}');
    expect(() => t.execute({})).toThrowError(TemplateExecError);
    expect(() => t.execute({})).toThrowError('no answer was supplied for lookup(["DB_USER"])');
  });

  it('fetches all calls of a round in parallel and each call once', async () => {
    const t = template('{{lookup "DB_USER"}}:{{lookup "DB_PASSWORD"}}:{{lookup "DB_USER"}}');
    const f = fetcher();
    expect(await t.render({}, f.resolve)).toBe('app:s3cr3t:app');
    expect(f.rounds).toEqual([[dependencyKey('lookup', ['DB_USER']), dependencyKey('lookup', ['DB_PASSWORD'])]]);
  });

  it('re-collects when a dependency decides which others are needed (if, range, nested calls)', async () => {
    const src = [
      '{{if eq (lookup "MODE") "tls"}}{{tlsCert "web"}}{{end}}',
      '{{range lookup "FEATURES"}}[{{lookup .}}]{{end}}',
      '{{lookup (lookup "NEXT")}}',
    ].join('|');
    const t = template(src);
    const f = fetcher();
    VAULT.a = 'A';
    VAULT.b = 'B';
    expect(await t.render({}, f.resolve)).toBe('-----BEGIN CERT-----|[A][B]|app');
    expect(f.rounds).toHaveLength(2);
    expect(f.rounds[1]).toEqual(
      expect.arrayContaining([
        dependencyKey('tlsCert', ['web']),
        dependencyKey('lookup', ['a']),
        dependencyKey('lookup', ['DB_USER']),
      ]),
    );
  });

  it('gives up after a bounded number of passes', async () => {
    // Each answer names the next key: the chain never settles within two passes.
    const t = template('{{lookup (lookup (lookup "K0"))}}');
    await expect(t.render({}, async (c) => `${String(c.args[0])}+`, { maxPasses: 2 })).rejects.toThrowError(
      'dependencies still changing after 2 passes',
    );
  });

  it('still reports real template errors found during collection', () => {
    const t = template('{{index .list 5}}');
    expect(() => t.collect({ list: [] })).toThrowError('index out of range: 5');
  });

  // How long this takes is bench material (no test asserts a timing); what keeps it cheap is that each distinct call
  // is resolved once per render, however often the template repeats it, and nothing is resolved twice.
  it('resolves each distinct call once per render: 20 templates repeating 25 lookups twice each make 25 calls each', async () => {
    const src = Array.from({ length: 50 }, (_, i) => `k${i}={{lookup "KEY_${i % 25}"}}\n`).join('');
    const templates = Array.from({ length: 20 }, (_, i) => new Template(`t${i}`).dependencies(['lookup']).parse(src));
    const calls: string[] = [];
    const resolve = async (c: DependencyCall): Promise<unknown> => {
      calls.push(String(c.args[0]));
      return `v-${String(c.args[0])}`;
    };
    const out = await Promise.all(templates.map((t) => t.render({}, resolve)));
    expect(out[0]).toContain('k49=v-KEY_24');
    expect(calls).toHaveLength(20 * 25);
    expect(new Set(calls).size).toBe(25);
  });

  it('names the missing answer without showing any value', () => {
    try {
      template('{{lookup "DB_PASSWORD"}}').execute({}, { answers: new Map() });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateExecError);
      expect((err as Error).message).not.toContain('s3cr3t');
      expect((err as TemplateExecError).functionName).toBe('lookup');
      expect((err as Error).message).toContain(
        new MissingDependencyError('x').name === 'MissingDependencyError' ? 'no answer' : '',
      );
    }
  });
});
