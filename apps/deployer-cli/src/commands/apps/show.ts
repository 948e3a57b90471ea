import { Args } from '@oclif/core';
import type { TApp } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { renderApp } from '../../render.js';

export type AppShowResult = TApp;

export default class AppsShow extends DeployerCommand<AppShowResult> {
  static override summary = 'Show an app: owner groups, deployer patterns, reveal groups.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp',
    "<%= config.bin %> <%= command.id %> myapp --json | jq -r '.deployers[]'",
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  async run(): Promise<AppShowResult> {
    const { args } = await this.parse(AppsShow);
    const { api, contract } = await this.connect();
    const app = await this.spin(`Reading app ${args.name}`, () =>
      api.send(contract.getAppRoute, { params: { app: args.name } }),
    );
    this.out(renderApp(app));
    return app;
  }
}
