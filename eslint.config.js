// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Folder rules (DESIGN.md "Layout"): the folder tells the runtime and what it may import.
 *   src/shared            nothing of ours, no Node, no electron (it runs everywhere)
 *   src/main/core         src/shared only
 *   src/main/api          src/main/core and src/shared
 *   src/main/server       src/main/api, src/main/core and src/shared
 *   src/main/host         what a host composes: core, api, server, shared (and the headless options)
 *   src/main/desktop      anything in src/main, and electron
 *   src/main/index.ts     the desktop entry: src/main/desktop, and electron
 *   src/main/*.ts         headless entry and options: anything in src/main but desktop
 *   src/preload           src/shared and electron (the contextBridge), no Node
 *   src/renderer          src/shared only, no Node, no electron
 * electron: only src/main/index.ts, src/main/desktop/** (and the preload, which is its bridge).
 * tools/, bench/ and e2e/ only in tests and test support.
 */
const NODE_BUILTINS = ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'net', 'worker_threads'];
const TEST_FILES = ['**/*.test.{ts,tsx}', '**/testing/**'];
const OUTSIDE_SRC = ['tools', 'bench', 'e2e'];

const LAYERS = [
  { files: ['src/shared/**/*.ts'], forbid: ['main', 'renderer', 'preload'], node: false, says: 'src/shared imports nothing of ours and no Node: it runs everywhere.' },
  { files: ['src/main/core/**/*.ts'], forbid: ['api', 'server', 'host', 'desktop', 'renderer', 'preload', 'headless*'], says: 'src/main/core imports src/shared only.' },
  { files: ['src/main/api/**/*.ts'], forbid: ['server', 'host', 'desktop', 'renderer', 'preload', 'headless*'], says: 'src/main/api imports src/main/core and src/shared only.' },
  { files: ['src/main/server/**/*.ts'], forbid: ['host', 'desktop', 'renderer', 'preload', 'headless*'], says: 'src/main/server imports src/main/api, src/main/core and src/shared only.' },
  { files: ['src/main/host/**/*.ts'], forbid: ['desktop', 'renderer', 'preload'], says: 'src/main/host composes core, api and server; the desktop app builds on it, not the reverse.' },
  { files: ['src/main/testing/**/*.ts'], forbid: ['desktop', 'renderer', 'preload'], says: 'Test support runs in plain Node.' },
  { files: ['src/main/*.ts'], ignores: ['src/main/index.ts'], forbid: ['desktop', 'renderer', 'preload'], says: 'The headless entry runs without Electron.' },
  { files: ['src/main/index.ts', 'src/main/desktop/**/*.ts'], forbid: ['renderer', 'preload'], electron: true, says: 'The main process talks to the renderer over IPC only.' },
  { files: ['src/preload/**/*.ts'], forbid: ['main', 'renderer'], node: false, electron: true, says: 'The preload imports src/shared and electron only.' },
  { files: ['src/renderer/**/*.{ts,tsx}'], forbid: ['main', 'preload'], node: false, says: 'The renderer imports src/shared only.' },
];

/** The no-restricted-imports options for one layer; `tests` lifts the ban on tools/, bench/ and e2e/. */
function layerRule({ forbid, node = true, electron = false, says }, tests) {
  const folders = tests ? forbid : [...forbid, ...OUTSIDE_SRC];
  return [
    'error',
    {
      paths: [
        ...(electron ? [] : [{ name: 'electron', message: 'Only src/main/index.ts and src/main/desktop/ import electron.' }]),
        ...(node ? [] : NODE_BUILTINS.map((name) => ({ name, message: says }))),
      ],
      patterns: [
        ...(node ? [] : [{ group: ['node:*'], message: says }]),
        { group: folders.map((folder) => (folder.endsWith('*') ? `**/${folder}` : `**/${folder}/**`)), message: says },
      ],
    },
  ];
}

/** Each layer twice: its code, and its tests (a later config wins for the same rule). */
const folderRules = LAYERS.flatMap((layer) => [
  { files: layer.files, ...(layer.ignores ? { ignores: layer.ignores } : {}), rules: { 'no-restricted-imports': layerRule(layer, false) } },
  {
    files: layer.files.flatMap((glob) => TEST_FILES.map((tests) => [glob, tests])),
    ...(layer.ignores ? { ignores: layer.ignores } : {}),
    rules: { 'no-restricted-imports': layerRule(layer, true) },
  },
]);

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
  { files: ['src/renderer/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
  ...folderRules,
);
