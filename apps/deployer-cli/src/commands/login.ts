import { Flags } from '@oclif/core';
import type { TWhoamiResponse } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';

export interface LoginResult extends TWhoamiResponse {
  apiUrl: string;
  configPath: string;
}

export default class Login extends DeployerCommand<LoginResult> {
  static override summary = 'Save the Secret API URL and your token for later commands.';
  static override description = `The token is checked with GET /v1/whoami before anything is saved. It is saved with the URL in \
$XDG_CONFIG_HOME/deployer/config.json (default ~/.config/deployer/config.json), readable by you only (mode 0600, \
directory 0700).

On a terminal the token is asked for at a hidden prompt. Elsewhere (scripts, CI) pipe it in with --token-stdin; \
a token is never taken from the command line, where it would land in shell history and the process list.

SECRET_API_URL and SECRET_API_TOKEN, when set, override the saved values for every command; CI usually sets \
those instead of logging in (e.g. SECRET_API_TOKEN=$ACTIONS_ID_TOKEN for an OIDC JWT).`;

  static override examples = [
    {
      description: 'Log in interactively (the token prompt is hidden):',
      command: '<%= config.bin %> <%= command.id %> --api-url https://secrets.example.com',
    },
    {
      description: 'Log in from a script, the token on stdin:',
      command:
        'vault-token-helper get | <%= config.bin %> <%= command.id %> --api-url https://secrets.example.com --token-stdin',
    },
    {
      description: 'Replace an expired token, keeping the saved URL:',
      command: '<%= config.bin %> <%= command.id %>',
    },
  ];

  static override flags = {
    'api-url': Flags.string({
      summary: 'Base URL of the Secret API.',
      description: 'Default: SECRET_API_URL, then the URL saved by an earlier login.',
      helpValue: 'URL',
    }),
    'token-stdin': Flags.boolean({ summary: 'Read the token from stdin instead of prompting for it.' }),
  };

  async run(): Promise<LoginResult> {
    const { flags } = await this.parse(Login);
    const [{ ApiClient }, { whoamiRoute }, config, input, terminal, errors] = await Promise.all([
      import('../api/client.js'),
      import('@secret-api/contract'),
      import('../config.js'),
      import('../io/input.js'),
      import('../io/terminal.js'),
      import('../errors.js'),
    ]);
    const path = config.configPath();
    const saved = await config.readSavedConfig(path).catch(() => undefined);
    const rawUrl = flags['api-url'] ?? (process.env['SECRET_API_URL'] || undefined) ?? saved?.apiUrl;
    if (rawUrl === undefined) {
      throw new errors.UsageError('no Secret API URL: give --api-url URL (or set SECRET_API_URL)');
    }
    const apiUrl = config.normaliseApiUrl(rawUrl);

    let token: string;
    if (flags['token-stdin']) {
      token = (await input.readStdin()).toString('utf8').trim();
    } else if (terminal.canPrompt()) {
      const { promptHidden } = await import('../io/prompt.js');
      token = (await promptHidden(`Token for ${apiUrl} (input hidden): `)).trim();
    } else {
      throw new errors.UsageError('no terminal to prompt for the token on: pipe it in with --token-stdin');
    }
    if (token === '') throw new errors.UsageError('the token is empty; nothing was saved');
    config.checkToken(token, flags['token-stdin'] ? 'stdin' : 'the prompt');

    const api = new ApiClient({ apiUrl, token, userAgent: this.config.userAgent, tokenSource: 'login' });
    const identity = await this.spin('Checking the token', () => api.send(whoamiRoute));
    await config.saveConfig({ apiUrl, token }, path);

    const result: LoginResult = { ...identity, apiUrl, configPath: path };
    this.out(`Logged in to ${apiUrl} as ${identity.subject}${identity.admin ? ' (admin)' : ''}.`);
    this.note(`Saved to ${path} (mode 0600).`);
    if (process.env['SECRET_API_TOKEN']) {
      this.note('Note: SECRET_API_TOKEN is set and overrides the saved token until you unset it.');
    }
    return result;
  }
}
