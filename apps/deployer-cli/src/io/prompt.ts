/**
 * Prompts on the terminal (stderr, so stdout stays the command's result). The hidden prompt reads in raw
 * mode and writes nothing back for what is typed: not the characters, not a `*` per character (which
 * would give away the length).
 */
import { CancelledError } from '../errors.js';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = ['\u007f', '\b'];

export async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  const wasRaw = input.isRaw;
  // Echo goes off before the question appears, so nothing typed after seeing it can ever be echoed.
  input.setRawMode(true);
  output.write(question);
  input.setEncoding('utf8');
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const finish = (outcome: () => void): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      outcome();
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(value));
        if (ch === CTRL_C) return finish(() => reject(new CancelledError('cancelled at the prompt')));
        if (ch === CTRL_D && value === '') return finish(() => reject(new CancelledError('no input at the prompt')));
        if (BACKSPACE.includes(ch)) {
          value = Array.from(value).slice(0, -1).join('');
          continue;
        }
        value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** A yes/no question whose default is No: only `y` or `yes` says yes. */
export async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await rl.question(`${question} (y/N) `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
