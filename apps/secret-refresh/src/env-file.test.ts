import { describe, expect, it } from 'vitest';
import { parseEnvFile, shellWord } from './env-file.js';

describe('shellWord reads a value as sh would, or refuses what needs expanding', () => {
  it.each([
    [`'plain'`, 'plain'],
    [`'it'\\''s'`, "it's"],
    [`"a \\"b\\" \\$c"`, 'a "b" $c'],
    ['bare', 'bare'],
    [`'a'"b"c`, 'abc'],
    [`'x'  # comment`, 'x'],
    [`'x';`, 'x'],
    [`'multi\nline'`, 'multi\nline'],
    ['', ''],
  ])('%s → %j', (raw, want) => {
    expect(shellWord(raw)).toBe(want);
  });

  it.each([`"$HOME"`, '$X', '`id`', `'unterminated`, `"a" b`, 'a|b'])('%s is refused', (raw) => {
    expect(shellWord(raw)).toBeUndefined();
  });
});

describe('parseEnvFile', () => {
  it('takes the last assignment of each wanted variable and ignores the rest', () => {
    const text = [
      '# Written by secret-init; source this file to set the variables.',
      `export DB_PASSWORD='p$w'`,
      `export VAULT_TOKEN='first'`,
      `export LEASE_IDS='a/1,b/2'`,
      `export NOTE='two`,
      `lines'`,
      'UNREADABLE="$(date)"',
      'VAULT_TOKEN=second',
    ].join('\n');
    const got = parseEnvFile(text, '/env/variables', ['VAULT_TOKEN', 'LEASE_IDS', 'VAULT_ADDR']);
    expect(Object.fromEntries(got)).toEqual({ VAULT_TOKEN: 'second', LEASE_IDS: 'a/1,b/2' });
  });

  it('refuses a wanted variable it cannot read exactly, naming file and line but not the value', () => {
    expect(() => parseEnvFile(`\nexport VAULT_TOKEN="s.$SUFFIX"\n`, '/env/variables', ['VAULT_TOKEN'])).toThrow(
      /^\/env\/variables:2: the value of VAULT_TOKEN is not a plain shell word/,
    );
  });
});
