// ESLint flat config: typescript-eslint's recommended rules, plus the layering rules of the design:
// the engine never imports `vscode` or host/webview code; the webview never imports engine or host.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'assembly/**', 'test-results/**', '.cache/**', 'scripts/vscode-test/selftest/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The engine runs as a plain child process and CLI: no vscode.' }],
        patterns: [{ group: ['**/extension/**', '**/webview/**'], message: 'The engine must not depend on host or webview code.' }],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Webviews cannot import vscode.' }],
        patterns: [{ group: ['**/engine/**', '**/extension/**'], message: 'The webview shares only src/shared with the host and engine.' }],
      }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode', 'fs', 'path', 'child_process', 'os'].map((name) => ({ name, message: 'Shared code runs in the engine, the host and the webview.' })),
        patterns: [
          { group: ['node:*'], message: 'Shared code runs in the engine, the host and the webview.' },
          { group: ['**/engine/**', '**/extension/**', '**/webview/**'], message: 'Shared code depends on nothing else.' },
        ],
      }],
    },
  },
);
