// One lint config for the workspace. Module boundaries are enforced, not just
// declared: every project carries a scope:* and a type:* tag (package.json "nx").
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const depConstraints = [
  // vault-dev stands in for Vault: it depends on nothing of ours, and product code never imports it.
  { sourceTag: 'scope:vault', onlyDependOnLibsWithTags: ['scope:vault'] },
  { sourceTag: 'scope:product', onlyDependOnLibsWithTags: ['scope:product', 'scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**', '**/coverage/**', '**/src/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...nx.configs['flat/base'],
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: true, allow: [], depConstraints }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // Tests (only) may start vault-dev and kube-dev as the real-HTTP stand-ins for Vault and Kubernetes, and use
    // the shared test helpers (throwaway PostgreSQL databases) whatever their own scope.
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['vault-dev', 'kube-dev', '@secret-api/testing'],
          depConstraints,
        },
      ],
    },
  },
  {
    files: ['**/bin/*.js', 'bench/**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: { 'no-console': 'off' },
  },
  prettier,
];
