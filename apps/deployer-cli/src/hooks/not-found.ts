/**
 * `deployer secret list` -> "Did you mean secrets list?", exit 1 (a usage error, like every other), and nothing
 * run. @oclif/plugin-not-found was considered: off a terminal (CI) it prints no suggestion at all, on one it offers
 * to run the guess (for `secret delete`, a guess we will not run for the user), it exits 127, and it needs a newer
 * @oclif/core and @inquirer/prompts in the installed package.
 */
import type { Hook } from '@oclif/core';
import { failUsage } from './usage-failure.js';

/** Classic edit distance; ids are a few dozen characters and there are a few dozen of them. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The command closest to what was typed, compared over as many words as the command has (`secret list myapp`
 * against `secrets list` compares `secret list`); undefined when nothing is close enough to be a typo.
 */
export function nearestCommand(typed: readonly string[], commandIds: readonly string[]): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const id of commandIds) {
    const words = id.split(':');
    const attempt = typed.slice(0, words.length).join(' ');
    const distance = editDistance(attempt, words.join(' '));
    if (best === undefined || distance < best.distance) best = { id, distance };
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(best.id.length / 3));
  return best.distance <= limit ? best.id.split(':').join(' ') : undefined;
}

const hook: Hook<'command_not_found'> = async function (options) {
  const argv = options.argv ?? [];
  const words = [...options.id.split(':'), ...argv.filter((a) => !a.startsWith('-'))];
  const bin = options.config.bin;
  if (options.id.startsWith('-')) {
    failUsage(`flags go after the command, e.g. '${bin} whoami ${options.id}'; '${bin} --help' lists the commands`, [
      options.id,
      ...argv,
    ]);
  }
  // oclif folds the words after a command without arguments into the id (`audit myapp` is `audit:myapp`).
  for (let n = words.length - 1; n > 0; n--) {
    const command = words.slice(0, n).join(' ');
    if (options.config.findCommand(words.slice(0, n).join(':')) === undefined) continue;
    const extra = words.length - n;
    // Never repeated: `deployer login <token>` would print the token into the CI log.
    failUsage(
      `'${bin} ${command}' takes no arguments, and ${extra} ${extra === 1 ? 'was' : 'were'} given (not shown, in ` +
        `case one is a secret); '${bin} ${command} --help' shows its flags`,
      argv,
    );
  }
  // Under a topic (`secrets frob`), the guess is one of its commands, never a look-alike elsewhere (`secret-id`),
  // and the word after the topic is not repeated: it may be a value.
  const topic = words[0] ?? '';
  const topicCommands = options.config.commandIDs.filter((id) => id.startsWith(`${topic}:`));
  if (words.length > 1 && topicCommands.length > 0) {
    // Compared without the topic, which matches anyway and would make any word look close.
    const rest = nearestCommand(
      words.slice(1),
      topicCommands.map((id) => id.slice(topic.length + 1)),
    );
    const guess = rest === undefined ? undefined : `${topic} ${rest}`;
    failWithHint(
      `'${bin} ${topic}' has no such command.`,
      guess,
      `Run '${bin} ${topic} --help' for its commands.`,
      argv,
    );
  }
  const suggestion = nearestCommand(words, options.config.commandIDs);
  // Repeated only when it is a near miss of a command, and only as many words as that command has: anything else
  // typed may be a value (`deployer <token>`).
  const typed = suggestion === undefined ? undefined : words.slice(0, suggestion.split(' ').length).join(' ');
  failWithHint(
    typed === undefined ? `That is not a ${bin} command.` : `'${typed}' is not a ${bin} command.`,
    suggestion,
    `Run '${bin} --help' for every command.`,
    argv,
  );
};

/** What was wrong, the guess if there is one, where to look: lines on a terminal, one sentence run in JSON. */
function failWithHint(what: string, guess: string | undefined, help: string, argv: readonly string[]): never {
  const lines = [what, ...(guess === undefined ? [] : [`Did you mean ${guess}?`]), help];
  failUsage(lines.join(argv.includes('--json') ? ' ' : '\n'), argv);
}

export default hook;
