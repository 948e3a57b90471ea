/**
 * What every deployer command shares: `--json` (the typed result of run(), or an error document), the
 * one exit-code decision for every failure (ours, the API's, oclif's parser's), a lazily loaded API
 * client, and a spinner that only a person at a terminal ever sees.
 */
import { Command, Errors, ux } from '@oclif/core';
import type * as Contract from '@secret-api/contract';
import type { ApiClient } from './api/client.js';
import type { ResolvedConfig } from './config.js';
import { errorJson, errorText, exitCodeFor, isCancellation } from './errors.js';
import { red, useColour } from './io/terminal.js';

export interface Connection {
  api: ApiClient;
  contract: typeof Contract;
  config: ResolvedConfig;
}

export abstract class DeployerCommand<T> extends Command {
  static override enableJsonFlag = true;

  abstract override run(): Promise<T>;

  /** Loads the client and the contract (zod included) only when a command really calls the API. */
  protected async connect(): Promise<Connection> {
    const [connection, contract] = await Promise.all([this.client(), import('@secret-api/contract')]);
    return { ...connection, contract };
  }

  /**
   * The client alone, for a command that imports just the routes it calls (src/api/contract/) instead of the whole
   * contract: what keeps the start of a hot command such as `roleid` short (bench/cli).
   */
  protected async client(): Promise<Omit<Connection, 'contract'>> {
    const [{ ApiClient }, { resolveConfig }] = await Promise.all([import('./api/client.js'), import('./config.js')]);
    const config = await resolveConfig();
    return {
      api: new ApiClient({
        apiUrl: config.apiUrl,
        token: config.token,
        userAgent: this.config.userAgent,
        tokenSource: config.source.token,
        onWarning: (text) => process.stderr.write(`Warning: ${text}\n`),
      }),
      config,
    };
  }

  /** The client without a token, for the unauthenticated operational routes. */
  protected async connectAnonymously(): Promise<Omit<Connection, 'config'>> {
    const [{ ApiClient }, contract, { resolveApiUrl }] = await Promise.all([
      import('./api/client.js'),
      import('@secret-api/contract'),
      import('./config.js'),
    ]);
    const apiUrl = await resolveApiUrl();
    return { api: new ApiClient({ apiUrl, token: undefined, userAgent: this.config.userAgent }), contract };
  }

  /** Runs a network call under a spinner on stderr, shown only on an interactive terminal outside CI. */
  protected async spin<R>(message: string, work: () => Promise<R>): Promise<R> {
    // As colour: a terminal on both streams, not CI, not NO_COLOR, not TERM=dumb (a spinner is cursor escapes).
    const show = !this.jsonEnabled() && Boolean(process.stdout.isTTY) && useColour(process.stderr);
    if (!show) return work();
    ux.action.start(message);
    try {
      const result = await work();
      ux.action.stop();
      return result;
    } catch (err) {
      ux.action.stop('failed');
      throw err;
    }
  }

  /** Plain text to stdout (nothing in --json mode: there the result document is the output). */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Notes for a person (stderr), so stdout stays parseable. */
  protected note(text: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${text}\n`);
  }

  // Plain, uncoloured JSON: it is meant for jq and scripts, and oclif's colouring depends on the terminal.
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const code = exitCodeFor(err);
    if (this.jsonEnabled()) {
      this.logJson(errorJson(err));
      process.exitCode = code;
      return undefined;
    }
    // A declined confirmation is the user's choice, not a failure: a plain sentence, no `Error:`, no colour.
    process.stderr.write(isCancellation(err) ? `${err.message}\n` : `${red(errorText(err))}\n`);
    return this.exit(code);
  }
}
