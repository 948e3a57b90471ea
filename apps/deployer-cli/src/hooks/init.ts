/**
 * `deployer secrets --json set myapp KEY`: oclif reads `secrets` as a topic and prints its help with exit 0, so the
 * set never happens and a pipeline takes it for done. A topic given anything but --help is a usage error (exit 1)
 * that says where flags go; `deployer secrets` alone still lists the topic's commands.
 */
import type { Hook } from '@oclif/core';
import { failUsage } from './usage-failure.js';

const hook: Hook<'init'> = async function ({ id, argv, config }) {
  const help = new Set(['--help', ...(config.pjson.oclif.additionalHelpFlags ?? [])]);
  if (id === undefined || argv.length === 0 || argv.some((a) => help.has(a))) return;
  if (config.findCommand(id) !== undefined || config.findTopic(id) === undefined) return;
  const words = id.split(':').join(' ');
  failUsage(
    `'${config.bin} ${words}' is a group of commands, not a command: name the command first and its flags after ` +
      `it, e.g. '${config.bin} ${words} list --json'; '${config.bin} ${words} --help' lists them`,
    argv,
  );
};

export default hook;
