/** Flags `deploy` and `inject` share. */
import { Flags } from '@oclif/core';

export const vaultAddrFlag = Flags.string({
  summary: "Vault as this cluster's pods reach it, instead of deployer.yml's vaultAddr.",
  description:
    'For a cluster whose pods reach Vault at another address than deployer.yml says, e.g. the embedded ' +
    "stack's vault-dev (its address is in `npm start`'s output).",
  helpValue: 'URL',
});
