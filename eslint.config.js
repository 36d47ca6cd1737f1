// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Folder rules (DESIGN.md "Layout"): the folder tells the runtime.
 *   src/shared    imports nothing of ours and no Node/Electron/DOM-only modules
 *   src/main/core imports src/shared only (never electron, server, api, desktop)
 *   src/renderer  imports src/shared only (never Node, never electron)
 *   electron      only in src/main/index.ts and src/main/desktop/**
 */
const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'net', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'dist-web/**', 'test-results/**', 'playwright-report/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/main/index.ts', 'src/main/desktop/**', 'src/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only src/main/index.ts and src/main/desktop/ may import electron.' }] },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', ...NODE_BUILTINS.filter((n) => !n.includes('*'))],
          patterns: [
            { group: ['node:*'], message: 'src/shared runs everywhere: no Node modules.' },
            { group: ['../main/*', '../renderer/*', '../preload/*', '**/main/**', '**/renderer/**'], message: 'src/shared imports nothing of ours.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine never imports electron.' }],
          patterns: [
            {
              group: ['**/server/**', '**/server', '**/api/**', '**/desktop/**', '**/renderer/**', '**/preload/**', '**/headless'],
              message: 'src/main/core imports src/shared only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', ...NODE_BUILTINS.filter((n) => !n.includes('*'))],
          patterns: [
            { group: ['node:*'], message: 'The renderer never imports Node.' },
            { group: ['**/main/**', '**/preload/**'], message: 'The renderer imports src/shared only.' },
          ],
        },
      ],
    },
  },
);
