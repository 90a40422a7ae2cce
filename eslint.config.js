// ESLint flat config. The architecture rule lives here, not in review:
// core/ computes and must run in plain Node, so it never imports electron, react or mobx.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const forbiddenInCore = ['electron', 'react', 'react-dom', 'mobx', 'mobx-react-lite'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'coverage/**', 'e2e/output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Use the seeded Rng from core/rng: simulations must be deterministic.',
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: forbiddenInCore.map((name) => ({
            name,
            message:
              'core/ is plain Node: it must not import UI or Electron packages (see docs/architecture.md).',
          })),
          patterns: [
            {
              group: ['electron/*', 'react/*', 'mobx/*'],
              message: 'core/ must not import UI or Electron packages.',
            },
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**'],
              message: 'core/ must not import app layers.',
            },
          ],
        },
      ],
    },
  },
  // The renderer: React hooks rules (including the React Compiler checks of the recommended set).
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
);
