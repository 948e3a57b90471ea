/** When a human is at the keyboard. Prompts, colour and spinners happen only then. */

type Env = Record<string, string | undefined>;

const isSet = (value: string | undefined): boolean => value !== undefined && value !== '' && value !== 'false';

/** CI systems set CI; a prompt there would hang the job until it times out. */
export function inCi(env: Env = process.env): boolean {
  return isSet(env['CI']);
}

/** Someone can answer a prompt: stdin and stderr (where prompts go) are terminals and this is not CI. */
export function canPrompt(env: Env = process.env): boolean {
  return Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY) && !inCi(env);
}

/** Colour only on a terminal, never in CI, and never against NO_COLOR (no-color.org) or TERM=dumb. */
export function useColour(stream: NodeJS.WriteStream, env: Env = process.env): boolean {
  return Boolean(stream.isTTY) && !inCi(env) && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb';
}

export function bold(text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return useColour(stream) ? `\u001b[1m${text}\u001b[22m` : text;
}

export function red(text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return useColour(stream) ? `\u001b[31m${text}\u001b[39m` : text;
}
