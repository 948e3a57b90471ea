import { describe, expect, it } from 'vitest';
import { createJsonLogger } from './index.js';

function capture(options: Parameters<typeof createJsonLogger>[1] = {}) {
  const lines: string[] = [];
  const log = createJsonLogger('secret-test', { ...options, write: (line) => lines.push(line) });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createJsonLogger', () => {
  it('writes one JSON object a line: time, level, name, base fields, message, then the caller’s fields', () => {
    const { log, lines, parsed } = capture({ base: { identity: 'replica-1' } });
    log.info('renewed', { lease: 'database/creds/x/abc', ttl: 3600, paths: ['a', 'b'], gone: undefined });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\n$/);
    expect(lines[0]?.slice(0, -1)).not.toContain('\n');
    const [line] = parsed();
    expect(Object.keys(line ?? {})).toEqual(['time', 'level', 'name', 'identity', 'msg', 'lease', 'ttl', 'paths']);
    expect(line).toMatchObject({ level: 'info', name: 'secret-test', msg: 'renewed', ttl: 3600, paths: ['a', 'b'] });
    expect(new Date(String(line?.['time'])).toISOString()).toBe(line?.['time']);
  });

  it('drops lines below its level, default info', () => {
    const quiet = capture();
    quiet.log.debug('hidden');
    quiet.log.warn('shown');
    expect(quiet.parsed().map((l) => l['level'])).toEqual(['warn']);
    const loud = capture({ level: 'debug' });
    loud.log.debug('shown');
    const errorsOnly = capture({ level: 'error' });
    errorsOnly.log.warn('hidden');
    errorsOnly.log.error('shown');
    expect([...loud.parsed(), ...errorsOnly.parsed()].map((l) => l['level'])).toEqual(['debug', 'error']);
  });

  it('keeps a message with quotes and newlines on one line', () => {
    const { log, lines, parsed } = capture();
    log.error('failed: "x"\nsecond line', { path: 'a\nb' });
    expect(lines[0]?.split('\n')).toHaveLength(2);
    expect(parsed()[0]).toMatchObject({ msg: 'failed: "x"\nsecond line', path: 'a\nb' });
  });
});
