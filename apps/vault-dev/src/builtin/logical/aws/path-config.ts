/**
 * `config/root` and `config/lease`, after Vault's builtin/logical/aws
 * path_config_root.go and path_config_lease.go. A root write replaces the
 * whole config; the credentials are stored, never read back, and never sent
 * anywhere (vault-dev reaches no AWS).
 */
import { formatGoDuration, parseDurationSecond } from '../../../sdk/duration.js';
import { errorResponse } from '../../../sdk/errors.js';
import type { PathSpec } from '../../../sdk/framework.js';
import { DEFAULT_USERNAME_TEMPLATE, type AwsContext } from './context.js';

export function configPaths(ctx: AwsContext): PathSpec[] {
  return [
    {
      pattern: 'config/root$',
      fields: {
        access_key: { type: 'string', description: 'Access key with permission to create new keys.' },
        secret_key: { type: 'string', description: 'Secret key with permission to create new keys.' },
        region: { type: 'string', description: 'Region for API calls.' },
        iam_endpoint: { type: 'string', description: 'Endpoint to custom IAM server URL' },
        sts_endpoint: { type: 'string', description: 'Endpoint to custom STS server URL' },
        sts_region: { type: 'string', description: 'Specific region for STS API calls.' },
        max_retries: { type: 'int', default: -1, description: 'Maximum number of retries for recoverable exceptions.' },
        username_template: { type: 'string', description: 'Template to generate custom IAM usernames' },
        role_arn: { type: 'string', description: 'Role ARN to assume for plugin identity token federation' },
      },
      operations: {
        update: (_req, data) => {
          ctx.store.rootConfig = {
            accessKey: data.get<string>('access_key'),
            secretKey: data.get<string>('secret_key'),
            region: data.get<string>('region'),
            iamEndpoint: data.get<string>('iam_endpoint'),
            stsEndpoint: data.get<string>('sts_endpoint'),
            stsRegion: data.get<string>('sts_region'),
            maxRetries: data.get<number>('max_retries'),
            usernameTemplate: data.get<string>('username_template'),
            roleArn: data.get<string>('role_arn'),
          };
          return null;
        },
        read: () => {
          const config = ctx.store.rootConfig;
          if (!config) return null;
          return {
            data: {
              access_key: config.accessKey,
              iam_endpoint: config.iamEndpoint,
              max_retries: config.maxRetries,
              region: config.region,
              role_arn: config.roleArn,
              sts_endpoint: config.stsEndpoint,
              sts_region: config.stsRegion,
              username_template: config.usernameTemplate || DEFAULT_USERNAME_TEMPLATE,
            },
          };
        },
      },
    },
    {
      pattern: 'config/lease$',
      fields: {
        lease: { type: 'string', description: 'Default lease for roles.' },
        lease_max: { type: 'string', description: 'Maximum time a credential is valid for.' },
      },
      operations: {
        update: (_req, data) => {
          const leaseRaw = data.get<string>('lease');
          if (leaseRaw === '') return errorResponse("'lease' is a required parameter");
          const leaseMaxRaw = data.get<string>('lease_max');
          if (leaseMaxRaw === '') return errorResponse("'lease_max' is a required parameter");
          let lease: number;
          let leaseMax: number;
          try {
            lease = parseDurationSecond(leaseRaw);
          } catch (err) {
            return errorResponse(`Invalid lease: ${(err as Error).message}`);
          }
          try {
            leaseMax = parseDurationSecond(leaseMaxRaw);
          } catch (err) {
            return errorResponse(`Invalid lease_max: ${(err as Error).message}`);
          }
          ctx.store.leaseConfig = { lease, leaseMax };
          return null;
        },
        read: () => {
          const config = ctx.store.leaseConfig;
          if (!config) return null;
          return { data: { lease: formatGoDuration(config.lease), lease_max: formatGoDuration(config.leaseMax) } };
        },
      },
    },
  ];
}
