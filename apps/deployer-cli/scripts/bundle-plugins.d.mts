import type { Plugin } from 'esbuild';

export const contractSlicesAndPureLibs: Plugin;
export const zodEnglishOnly: Plugin;
