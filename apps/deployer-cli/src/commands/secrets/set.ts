import { Args, Flags } from '@oclif/core';
import type { TSecretVersionRef, TSetSecretBody } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { UsageError } from '../../errors.js';
import { describeTarget, resolveTarget, scopeFlag, scopeRoutes } from '../../secret-scope.js';

export type SecretSetResult = TSecretVersionRef;

export default class SecretsSet extends DeployerCommand<SecretSetResult> {
  static override summary = 'Set a secret of an app (a new version); the value never comes from the command line.';
  static override description = `Where the value comes from:
  - a terminal: a hidden prompt (nothing you type is shown);
  - stdin otherwise, with ONE trailing newline removed, so \`echo "$VALUE" | deployer secrets set ...\` stores \
exactly $VALUE;
  - --from-file FILE: the file's exact bytes (trailing newlines kept), e.g. a certificate.
An empty value from the prompt or stdin is refused (it is almost always a mistake); use an empty file to store one.

The value is sent to the Secret API and written to Vault; it is never printed or logged. Owners of the app and \
admins may set secrets. --cas N sets only if N is still the current version (0: only if the key does not exist), \
so two people cannot overwrite each other unnoticed (exit 4 when it fails).

With --scope the secret is a shared one instead of an app's (admins only): \`--scope global\`, \`--scope project:aws\` \
or \`--scope cluster:aws.stg\`, and the only argument is the KEY.`;

  static override examples = [
    {
      description: 'Type the value at a hidden prompt:',
      command: '<%= config.bin %> <%= command.id %> myapp DB_PASSWORD',
    },
    {
      description: 'From another tool, on stdin:',
      command: 'openssl rand -base64 32 | <%= config.bin %> <%= command.id %> myapp SESSION_KEY --comment "rotated"',
    },
    {
      description: 'A multi-line value, byte for byte:',
      command: '<%= config.bin %> <%= command.id %> myapp TLS_KEY --from-file ./tls.key',
    },
    {
      description: 'Only if nobody changed it since version 3:',
      command: '<%= config.bin %> <%= command.id %> myapp DB_PASSWORD --cas 3 < new-password.txt',
    },
    {
      description: 'A shared secret of every app in cluster aws.stg (admins):',
      command: '<%= config.bin %> <%= command.id %> --scope cluster:aws.stg REGISTRY_TOKEN < token.txt',
    },
  ];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name (omit with --scope).', required: false }),
    key: Args.string({
      ignoreStdin: true,
      description: 'Secret key: letters, digits and _, not starting with a digit.',
      required: false,
    }),
  };

  static override flags = {
    comment: Flags.string({ summary: 'Why it changed; kept in the history.', helpValue: 'TEXT' }),
    'from-file': Flags.string({ summary: 'Read the value from a file (its exact bytes).', helpValue: 'FILE' }),
    cas: Flags.integer({ summary: 'Set only if this is the current version (0: only if the key is new).', min: 0 }),
    scope: scopeFlag,
  };

  async run(): Promise<SecretSetResult> {
    const { args, flags } = await this.parse(SecretsSet);
    const { target, key } = resolveTarget([args.app, args.key], flags.scope, true);
    const { api, contract } = await this.connect();
    const { routes, params } = scopeRoutes(contract, target);
    // Checked before the value is read: nobody types a secret for a request that cannot be sent.
    const { checkParams } = await import('../../api/params.js');
    checkParams(routes.set, { ...params, key });
    const value = await readValue(describeTarget(target), key, flags['from-file']);
    if (value.includes('\0')) {
      // Stored as is (a template reads it whole), but the env file cannot hold it: said now, not at the pod's start.
      process.stderr.write(
        `Warning: the value of ${key} contains a NUL byte: templates read it, but a SECRET_* variable ` +
          '(the env file, secret-init exec) cannot carry it and fails the pod\n',
      );
    }
    const body: TSetSecretBody = {
      value,
      ...(flags.comment !== undefined && { comment: flags.comment }),
      ...(flags.cas !== undefined && { cas: flags.cas }),
    };
    const result = await this.spin(`Setting ${key} of ${describeTarget(target)}`, () =>
      api.send(routes.set, { params: { ...params, key }, body }),
    );
    this.out(`Set ${result.key} of ${describeTarget(target)}: version ${result.version}.`);
    return result;
  }
}

async function readValue(where: string, key: string, fromFile: string | undefined): Promise<string> {
  const input = await import('../../io/input.js');
  if (fromFile !== undefined) return input.readFileValue(fromFile);
  let value: string;
  if (process.stdin.isTTY) {
    const { canPrompt } = await import('../../io/terminal.js');
    if (!canPrompt()) {
      throw new UsageError('no value: CI is set, so there is no prompt; pipe the value on stdin or use --from-file');
    }
    const { promptHidden } = await import('../../io/prompt.js');
    value = await promptHidden(`Value of ${key} for ${where} (input hidden): `);
  } else {
    value = await input.readStdinValue();
  }
  if (value === '')
    throw new UsageError('the value is empty; nothing was set (use --from-file with an empty file to store one)');
  return value;
}
